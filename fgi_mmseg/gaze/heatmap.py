"""Fixations -> gaze heatmap -> pseudo-masks, and heatmap files.

The heatmap recipe is GazeMedSeg's (method §3): on a fixed 768 x 768 canvas
add each fixation's duration at ``(row, col) = (round(y*768)-1,
round(x*768)-1)``, blur with a Gaussian (sigma 70 px for Kvasir), min-max
normalise, and resize (bicubic) to the image size.

:func:`reference_heatmap` is that recipe written literally (about 0.3 s per
image, dominated by the 561-tap blur); :func:`fast_heatmap` computes the same
map in about 2 ms. The blur is linear and separable, so with ``A`` the
768 x 768 matrix of scipy's 1-D Gaussian filter (``A[:, p]`` is the filtered
unit impulse at ``p``) the blurred canvas is::

    A @ Canvas @ A.T = (A[:, rows] * durations) @ A[:, cols].T

a (768 x N) @ (N x 768) product for N fixations. ``A`` is obtained by running
scipy's own filter on the identity matrix, so its boundary handling ('reflect',
d c b a | a b c d) and kernel (normalised over radius
``int(truncate * sigma + 0.5)``) are scipy's by construction. The min-max
normalisation needs the whole canvas, so the canvas is formed and then resized
with the same ``cv2.resize`` call; folding the resize into the factors (resize
``A[:, rows]`` along its first axis instead) was measured to be only about 10 %
faster for Kvasir's image sizes, which does not pay for the extra subtlety.

Rounding uses numpy's round-half-to-even, which is what Python's ``round``
(used by the original code) does. A coordinate below 1/1536 rounds to index
-1; the original code indexes numpy with it, which wraps to the last row or
column, so a fixation at x = 0 lands on the right edge. Both functions
replicate this on purpose so that heatmaps match the published ones; indices
numpy would reject (coordinates above about 1.0007 or below -0.9993) raise
``ValueError``.
"""
import functools
import os
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from fgi_mmseg.utils.io import atomic_write

CANVAS = 768


def _canvas_indices(v: np.ndarray, canvas: int, name: str) -> np.ndarray:
    """Canvas index of normalised coordinates, as the original code computes.

    Returns indices in [-canvas, canvas), i.e. what numpy accepts, with -1
    (and other negatives) left as they are so that numpy indexing wraps them.
    """
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(v)):
        raise ValueError(f'{name} coordinates must be finite')
    idx = np.rint(v * canvas).astype(np.int64) - 1
    bad = (idx < -canvas) | (idx >= canvas)
    if bad.any():
        raise ValueError(
            f'{name} coordinate {v[bad][0]!r} is outside the {canvas}-pixel '
            'canvas (coordinates are normalised to [0, 1])')
    return idx


def _check_inputs(x: np.ndarray, y: np.ndarray, duration: np.ndarray,
                  height: int, width: int,
                  canvas: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate inputs; return (rows, cols, durations as float64)."""
    duration = np.asarray(duration, dtype=np.float64).reshape(-1)
    rows = _canvas_indices(y, canvas, 'y')
    cols = _canvas_indices(x, canvas, 'x')
    if not len(rows) == len(cols) == len(duration):
        raise ValueError(f'x, y and duration lengths differ ({len(cols)}, '
                         f'{len(rows)}, {len(duration)})')
    if not np.all(np.isfinite(duration)):
        raise ValueError('durations must be finite')
    if int(height) <= 0 or int(width) <= 0:
        raise ValueError(f'height and width must be positive, got {height} x '
                         f'{width}')
    return rows, cols, duration


def _normalise_and_resize(canvas: np.ndarray, height: int,
                          width: int) -> np.ndarray:
    """Min-max normalise a float32 canvas, resize bicubically, clip to [0, 1].

    A constant canvas (no fixations, or zero durations only) carries no
    location information; it gives an all-zero map instead of the 0 / 0 NaNs
    the original code would produce.
    """
    lo, hi = canvas.min(), canvas.max()
    if not hi > lo:
        return np.zeros((int(height), int(width)), np.float32)
    canvas = (canvas - lo) / (hi - lo)
    # Bicubic overshoots slightly around peaks; clipping keeps H in [0, 1].
    out = cv2.resize(
        canvas.astype(np.float32, copy=False), (int(width), int(height)),
        interpolation=cv2.INTER_CUBIC)
    return np.clip(out, 0.0, 1.0, out=out)


def reference_heatmap(x: np.ndarray,
                      y: np.ndarray,
                      duration: np.ndarray,
                      height: int,
                      width: int,
                      sigma: float = 70,
                      canvas: int = CANVAS) -> np.ndarray:
    """GazeMedSeg's heatmap recipe, step by step (slow; for checking).

    Args:
        x: Normalised column coordinates, shape (N,).
        y: Normalised row coordinates, shape (N,).
        duration: Fixation durations (ms), the weight of each fixation.
        height: Output height (the image's).
        width: Output width (the image's).
        sigma: Gaussian sigma in canvas pixels (70 Kvasir, 50 NCI-ISBI).
        canvas: Side of the square canvas the fixations are drawn on.

    Returns:
        float32 heatmap of shape (height, width) with values in [0, 1].
    """
    rows, cols, duration = _check_inputs(x, y, duration, height, width,
                                         canvas)
    grid = np.zeros((canvas, canvas), np.float32)
    # Unbuffered add: repeated pixels accumulate, like the original loop, and
    # negative indices wrap, like the original numpy indexing.
    np.add.at(grid, (rows, cols), duration.astype(np.float32))
    # Defaults mode='reflect', truncate=4.0, as in GazeMedSeg.
    grid = ndimage.gaussian_filter(grid, sigma)
    return _normalise_and_resize(grid, height, width)


@functools.lru_cache(maxsize=8)
def _blur_operator(sigma: float, canvas: int) -> np.ndarray:
    """Transposed matrix of scipy's 1-D Gaussian filter, float32, read-only.

    Row ``p`` is the filtered unit impulse at ``p`` (the filter matrix's
    column), so gathering rows gives contiguous (N x canvas) factors.
    """
    impulses = np.eye(canvas, dtype=np.float64)
    # Filtering the identity along axis 0 gives the filter matrix itself with
    # scipy's exact kernel, truncation and 'reflect' boundary.
    matrix = ndimage.gaussian_filter1d(impulses, sigma, axis=0)
    operator = np.ascontiguousarray(matrix.T, dtype=np.float32)
    operator.flags.writeable = False  # shared through the cache
    return operator


def fast_heatmap(x: np.ndarray,
                 y: np.ndarray,
                 duration: np.ndarray,
                 height: int,
                 width: int,
                 sigma: float = 70,
                 canvas: int = CANVAS) -> np.ndarray:
    """Same map as :func:`reference_heatmap`, about 100x faster.

    The blurred canvas is built as a product of the Gaussian filter's impulse
    responses (see the module docstring) instead of filtering an image of
    impulses. It agrees with the reference to about 1e-6 (float32 rounding).

    Note:
        The product is too small for BLAS threads to help; when many maps
        are built on shared cores, ``OPENBLAS_NUM_THREADS=1`` avoids a
        5-8x slowdown from spinning threads (measured on 2 busy cores).

    Args:
        x: Normalised column coordinates, shape (N,).
        y: Normalised row coordinates, shape (N,).
        duration: Fixation durations (ms), the weight of each fixation.
        height: Output height (the image's).
        width: Output width (the image's).
        sigma: Gaussian sigma in canvas pixels (70 Kvasir, 50 NCI-ISBI).
        canvas: Side of the square canvas the fixations are drawn on.

    Returns:
        float32 heatmap of shape (height, width) with values in [0, 1].
    """
    rows, cols, duration = _check_inputs(x, y, duration, height, width,
                                         canvas)
    operator = _blur_operator(float(sigma), int(canvas))
    # Python-style wrap of -1 etc., as numpy indexing does in the reference.
    rows, cols = rows % canvas, cols % canvas
    # Duplicate fixations simply add up in the product.
    weighted_rows = operator[rows] * duration.astype(np.float32)[:, None]
    grid = weighted_rows.T @ operator[cols]
    return _normalise_and_resize(grid, height, width)


def heatmap_to_pseudo_masks(heatmap: np.ndarray,
                            t_fg: float = 0.5,
                            t_bg: float = 0.05,
                            t_comp: float = 0.3,
                            ignore_index: int = 255,
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Threshold a heatmap into the sparse and comprehensive pseudo-masks.

    Args:
        heatmap: 2-D map with values in [0, 1].
        t_fg: Pixels with ``H >= t_fg`` are confident foreground (1).
        t_bg: Pixels with ``H <= t_bg`` are confident background (0); the
            rest are ``ignore_index``. With ``t_bg >= t_fg`` nothing is
            ignored: 1 where ``H >= t_fg``, else 0 (the authors' released
            code, plain BCE on the 0.5 mask).
        t_comp: Pixels with ``H >= t_comp`` are foreground in the
            comprehensive mask.
        ignore_index: Label of unsure pixels, in [2, 255].

    Returns:
        ``(sparse, comprehensive)``, both uint8 with the heatmap's shape.

    Raises:
        ValueError: If a threshold is outside [0, 1], ``ignore_index`` is
            not in [2, 255] or the heatmap is not 2-D.
    """
    for name, value in (('t_fg', t_fg), ('t_bg', t_bg), ('t_comp', t_comp)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f'{name} must be in [0, 1], got {value}')
    # 0 and 1 are labels; uint8 cannot hold anything above 255.
    if not 2 <= ignore_index <= 255:
        raise ValueError(
            f'ignore_index must be in [2, 255], got {ignore_index}')
    heatmap = np.asarray(heatmap)
    if heatmap.ndim != 2:
        raise ValueError(f'heatmap must be 2-D, got shape {heatmap.shape}')
    foreground = heatmap >= t_fg
    if t_bg >= t_fg:
        sparse = foreground.astype(np.uint8)
    else:
        sparse = np.full(heatmap.shape, ignore_index, np.uint8)
        sparse[heatmap <= t_bg] = 0
        sparse[foreground] = 1
    comprehensive = (heatmap >= t_comp).astype(np.uint8)
    return sparse, comprehensive


def save_heatmap(path: str | os.PathLike,
                 heatmap: np.ndarray,
                 bit_depth: int = 8) -> np.ndarray:
    """Save a heatmap atomically, in the format given by the suffix.

    ``.png`` stores ``round(H * (2**bit_depth - 1))`` as an 8- or 16-bit
    grey image (8-bit loses up to 0.002, enough for thresholds; 16-bit keeps
    1.5e-5); ``.npy`` stores float32 exactly. Lossy JPEG is not offered for
    writing, though :func:`load_heatmap` reads the GazeMedSeg ``.jpg`` maps.

    Args:
        path: Destination file (``.png`` or ``.npy``); its folder must exist.
        heatmap: 2-D map with finite values in [0, 1].
        bit_depth: 8 or 16, for ``.png`` only.

    Returns:
        The map as stored: what :func:`load_heatmap` reads back from the
        file (float32), so a caller can score it without decoding it again.

    Raises:
        ValueError: On an unsupported suffix or bit depth, or a heatmap that
            is not 2-D or has values outside [0, 1].
    """
    suffix = Path(path).suffix.lower()
    heatmap = np.asarray(heatmap)
    if heatmap.ndim != 2:
        raise ValueError(f'{path}: heatmap must be 2-D, got {heatmap.shape}')
    if not (np.all(np.isfinite(heatmap)) and heatmap.min() >= 0
            and heatmap.max() <= 1):
        raise ValueError(f'{path}: heatmap values must be finite and in '
                         '[0, 1]')
    if suffix == '.npy':
        data = heatmap.astype(np.float32)
        atomic_write(path, lambda f: np.save(f, data, allow_pickle=False))
        return data
    if suffix == '.png':
        dtypes = {8: np.uint8, 16: np.uint16}
        if bit_depth not in dtypes:
            raise ValueError(f'{path}: bit_depth must be 8 or 16, got '
                             f'{bit_depth}')
        scale = 2**bit_depth - 1
        image = np.round(heatmap.astype(np.float64) * scale).astype(
            dtypes[bit_depth])
        ok, encoded = cv2.imencode('.png', image)
        if not ok:
            raise ValueError(f'{path}: PNG encoding failed')
        atomic_write(path, lambda f: f.write(encoded.tobytes()))
        return image.astype(np.float32) / scale
    raise ValueError(f'{path}: unsupported heatmap format {suffix!r} '
                     "(use '.png' or '.npy')")


def load_heatmap(path: str | os.PathLike) -> np.ndarray:
    """Load a heatmap saved by :func:`save_heatmap` or by GazeMedSeg.

    PNG (8- or 16-bit) and JPEG images are scaled by their dtype's maximum
    (colour images are converted to grey first); ``.npy`` must hold a 2-D
    float array with values in [0, 1].

    Args:
        path: A ``.png``, ``.jpg``, ``.jpeg`` or ``.npy`` file.

    Returns:
        float32 map with values in [0, 1].

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is unreadable, of an unsupported type, or
            does not hold a valid heatmap. Messages name the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileNotFoundError(f'{path}: heatmap file not found')
    if suffix == '.npy':
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise ValueError(f'{path}: unreadable .npy ({err})') from err
        if data.ndim != 2 or not np.issubdtype(data.dtype, np.floating):
            raise ValueError(f'{path}: expected a 2-D float array, got '
                             f'{data.dtype} {data.shape}')
        if not (np.all(np.isfinite(data)) and data.min() >= 0
                and data.max() <= 1):
            raise ValueError(f'{path}: heatmap values must be in [0, 1]')
        return data.astype(np.float32)
    if suffix not in ('.png', '.jpg', '.jpeg'):
        raise ValueError(f'{path}: unsupported heatmap format {suffix!r}')
    # imdecode on the bytes works for any path (cv2.imread does not handle
    # non-ASCII paths everywhere) and keeps 16-bit PNGs 16-bit.
    image = cv2.imdecode(
        np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f'{path}: not a readable image')
    if image.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else \
            cv2.COLOR_BGR2GRAY
        image = cv2.cvtColor(image, code)
    if image.dtype not in (np.uint8, np.uint16):
        raise ValueError(f'{path}: expected an 8- or 16-bit image, got '
                         f'{image.dtype}')
    return image.astype(np.float32) / np.iinfo(image.dtype).max


# The tools write max-normalised maps (maximum 1). A stored maximum below
# this is almost surely a scale error, e.g. a 16-bit PNG holding 0-255
# (read as at most 255 / 65535 = 0.0039): every pixel would be background.
LOW_MAXIMUM = 0.1


def heatmap_scale_problem(heatmap: np.ndarray) -> str:
    """A description of a suspicious heatmap scale, or '' if it looks fine.

    An all-zero map (no gaze on the image) is not a scale problem.
    """
    peak = float(heatmap.max()) if heatmap.size else 0.0
    if 0 < peak < LOW_MAXIMUM:
        return (f'maximum {peak:.4g}, expected about 1 (the tools write '
                'max-normalised maps; a 16-bit PNG holding 0-255?)')
    return ''
