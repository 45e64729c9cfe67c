"""Reading a sample's image, mask and text-embedding files, one rule each.

The loading transforms, the dataset verifier and the gaze report read the
same files; with one reader and one check per kind of file, what the checks
accept is what training reads.
"""
import os
from typing import Optional

import cv2
import numpy as np


class UnreadableFileError(OSError):
    """A file is missing or cannot be decoded. The message says why, not
    which file: the caller names it (with the sample, where there is one)."""


def read_image(path: str | os.PathLike,
               flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """Decode an image file as ``cv2.imread(path, flags)`` would, non-ASCII
    paths included.

    Raises:
        UnreadableFileError: The file is missing, empty or not an image.
    """
    if not os.path.isfile(path):
        raise UnreadableFileError('file not found')
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as err:
        raise UnreadableFileError(f'unreadable ({err})') from err
    if data.size == 0:
        raise UnreadableFileError('empty file')
    image = cv2.imdecode(data, flags)
    if image is None:
        raise UnreadableFileError(
            'not a readable image (corrupt or truncated?)')
    return image


def binary_mask(gray: np.ndarray, threshold: int = 128) -> np.ndarray:
    """The foreground of a ground-truth mask read as grayscale.

    JPEG masks (Kvasir-SEG) hold 0/255 plus compression noise, so gray
    values ``>= threshold`` are foreground; masks stored as 0/1 (maximum
    value 1) are taken as they are.

    Args:
        gray (np.ndarray): H x W mask image.
        threshold (int): Foreground threshold of 0..255 masks.

    Returns:
        np.ndarray: H x W bool mask.
    """
    return gray >= (1 if gray.max() <= 1 else threshold)


def read_embedding(path: str | os.PathLike) -> np.ndarray:
    """Load a ``.npy`` text embedding as stored (see
    :func:`embedding_problem` for what a usable one is).

    Raises:
        UnreadableFileError: The file is missing or not a ``.npy`` array.
    """
    if not os.path.isfile(path):
        raise UnreadableFileError('file not found')
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise UnreadableFileError(f'unreadable .npy ({err})') from err


def embedding_problem(embed: np.ndarray,
                      embed_dim: Optional[int] = None) -> Optional[str]:
    """Why ``embed`` is not a usable text embedding, or None.

    A usable one is a non-empty ``L x C`` float array of finite values,
    ``embed_dim`` wide when that is given.
    """
    if embed.ndim != 2 or embed.size == 0 or \
            not np.issubdtype(embed.dtype, np.floating):
        return (f'expected a non-empty float array L x C, got shape '
                f'{embed.shape} of {embed.dtype}')
    if not np.isfinite(embed).all():
        return (f'holds {int((~np.isfinite(embed)).sum())} NaN/inf values; '
                'expected finite numbers (encode it again)')
    if embed_dim is not None and embed.shape[1] != embed_dim:
        return f'expected width {embed_dim}, got {embed.shape[1]}'
    return None
