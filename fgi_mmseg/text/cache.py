"""Per-image text embedding cache: ``<dir>/<id>.npy``, written atomically.

Embeddings are computed once per image (method §4) and read by the dataset
as ``embeddings/<id>.npy`` (an ``L x C`` float32 array). Each file is written
to a temporary file in the same folder and renamed into place, so a file
under its final name is always complete: a run killed mid-write leaves only
a hidden ``.<id>.npy.*.tmp`` leftover, which :func:`cached_ids` ignores and
:func:`remove_leftovers` deletes.
"""
import os
from pathlib import Path
from typing import Dict, Optional, Set, Tuple, Union

import numpy as np

from fgi_mmseg.utils.io import atomic_write

PathLike = Union[str, os.PathLike]
SUFFIX = '.npy'
# atomic_write names its temporary files '.<name>.<random>.tmp'.
TMP_GLOB = f'.*{SUFFIX}.*.tmp'
# np.save writes format 1.0 (2.0 for headers over 64 KiB).
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def embedding_path(cache_dir: PathLike, sample_id: str) -> Path:
    """The file of one sample's embedding.

    Raises:
        ValueError: If the id could escape the folder or is hidden.
    """
    if not sample_id or sample_id.startswith('.') or \
            os.sep in sample_id or (os.altsep and os.altsep in sample_id):
        raise ValueError(f'invalid sample id {sample_id!r} for a cache file')
    return Path(cache_dir) / f'{sample_id}{SUFFIX}'


def save_embedding(cache_dir: PathLike, sample_id: str,
                   array: np.ndarray) -> Path:
    """Save one ``L x C`` embedding as float32, atomically.

    Args:
        cache_dir: The cache folder (created if missing).
        sample_id: Image id; the file is ``<cache_dir>/<sample_id>.npy``.
        array: 2-D array with at least one row.

    Returns:
        The written file.

    Raises:
        ValueError: If the array is not a non-empty 2-D array of finite
            values.
    """
    array = np.asarray(array, dtype=np.float32)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f'{sample_id}: embedding must be a non-empty L x C '
                         f'array, got shape {array.shape}')
    if not np.all(np.isfinite(array)):
        raise ValueError(f'{sample_id}: embedding holds NaN or inf')
    path = embedding_path(cache_dir, sample_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: np.save(f, array, allow_pickle=False))
    return path


def npy_shape(path: PathLike) -> Optional[Tuple[int, ...]]:
    """Shape of a complete ``.npy`` file from its header, else None.

    "Complete" means the header parses and the file holds exactly the bytes
    the header announces, which catches a truncated file without loading
    the data.
    """
    try:
        with open(path, 'rb') as f:
            version = np.lib.format.read_magic(f)
            if version not in _HEADER_READERS:
                return None
            shape, _, dtype = _HEADER_READERS[version](f)
            data_start = f.tell()
            size = os.fstat(f.fileno()).st_size
    except (OSError, ValueError, SyntaxError):
        return None
    if dtype.hasobject:
        return None
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    return tuple(shape) if size - data_start == expected else None


def cached_shapes(cache_dir: PathLike) -> Dict[str, Tuple[int, ...]]:
    """Id -> array shape of every complete embedding in a folder.

    Temporary leftovers and incomplete files are left out, so their ids are
    encoded again. A missing folder reads as empty.
    """
    cache_dir = Path(cache_dir)
    if not cache_dir.is_dir():
        return {}
    shapes = {}
    for path in sorted(cache_dir.glob(f'*{SUFFIX}')):
        # Hidden names are temporary files or not ours.
        if path.name.startswith('.') or not path.is_file():
            continue
        shape = npy_shape(path)
        if shape is not None:
            shapes[path.name[:-len(SUFFIX)]] = shape
    return shapes


def cached_ids(cache_dir: PathLike) -> Set[str]:
    """Ids that have a complete ``<id>.npy`` in the folder."""
    return set(cached_shapes(cache_dir))


def remove_leftovers(cache_dir: PathLike) -> int:
    """Delete temporary files left by killed writers.

    Call it only while no other process writes to the folder: a live
    writer's temporary file looks the same.

    Returns:
        The number of files removed.
    """
    cache_dir = Path(cache_dir)
    if not cache_dir.is_dir():
        return 0
    removed = 0
    for path in cache_dir.glob(TMP_GLOB):
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:  # another cleaner was quicker
            pass
    return removed
