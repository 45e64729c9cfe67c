"""Optional dense-CRF refinement of a gaze heatmap (method §3).

Gaze blobs are smooth and ignore the lesion's outline; a fully connected CRF
(Krähenbühl & Koltun, 2011) pulls the map towards colour edges of the image.
The recipe is the GazeMedSeg authors': two labels (background, foreground)
with unary energies ``-log([1 - H, H])``, one bilateral pairwise term
(``sxy`` 80 px, ``srgb`` 13, Potts compatibility 1), 10 mean-field
iterations; the foreground marginal replaces ``H``.

The CRF comes from ``pydensecrf2`` (imported as ``pydensecrf``), a compiled
package that is an optional extra (``pip install -e .[crf]``): nothing else
in the project needs it, so it is imported only when a refinement is asked
for.
"""
import numpy as np

# Keeps -log finite where the heatmap is exactly 0 or 1.
EPS = 1e-6


def _import_densecrf():
    """Import ``pydensecrf.densecrf`` or explain how to install it."""
    try:
        import pydensecrf.densecrf as dcrf
    except ImportError as err:
        raise ImportError(
            'Dense-CRF refinement needs the optional package pydensecrf2: '
            '`pip install pydensecrf2` (or `pip install -e .[crf]`)'
        ) from err
    return dcrf


def crf_available() -> bool:
    """Whether :func:`refine_with_crf` can run (``pydensecrf2`` imports)."""
    try:
        _import_densecrf()
    except ImportError:
        return False
    return True


def _as_rgb_uint8(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """The image as a C-contiguous H x W x 3 uint8 array (what the CRF wants).

    Channel order does not matter: the bilateral kernel treats the three
    channels alike, so BGR (OpenCV) and RGB give the same result.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'image must be H x W (x 1, 3 or 4), got shape '
                         f'{image.shape}')
    if image.shape[:2] != (height, width):
        raise ValueError(f'image {image.shape[:2]} and heatmap '
                         f'{(height, width)} sizes differ')
    if image.dtype != np.uint8:
        raise ValueError(f'image must be uint8, got {image.dtype}')
    return np.ascontiguousarray(image)


def refine_with_crf(image: np.ndarray,
                    heatmap: np.ndarray,
                    sxy: float = 80,
                    srgb: float = 13,
                    compat: float = 1,
                    iterations: int = 10) -> np.ndarray:
    """Refine a heatmap with a two-label dense CRF.

    Args:
        image: H x W x 3 uint8 image (grey H x W is accepted).
        heatmap: H x W map with values in [0, 1], the foreground
            probability.
        sxy: Spatial standard deviation of the bilateral kernel (pixels).
        srgb: Colour standard deviation of the bilateral kernel.
        compat: Weight of the (Potts) bilateral term.
        iterations: Mean-field iterations.

    Returns:
        float32 H x W foreground marginal, in [0, 1].

    Raises:
        ImportError: If ``pydensecrf2`` is not installed (the message says
            how to install it).
        ValueError: On mismatched shapes, a non-uint8 image or heatmap
            values outside [0, 1].
    """
    dcrf = _import_densecrf()
    heatmap = np.asarray(heatmap, dtype=np.float64)
    if heatmap.ndim != 2:
        raise ValueError(f'heatmap must be 2-D, got shape {heatmap.shape}')
    if not (np.all(np.isfinite(heatmap)) and heatmap.min() >= 0
            and heatmap.max() <= 1):
        raise ValueError('heatmap values must be finite and in [0, 1]')
    if iterations < 1:
        raise ValueError(f'iterations must be >= 1, got {iterations}')
    height, width = heatmap.shape
    rgb = _as_rgb_uint8(image, height, width)

    probs = np.clip(np.stack([1.0 - heatmap, heatmap]), EPS, 1.0 - EPS)
    unary = np.ascontiguousarray(
        -np.log(probs).reshape(2, -1), dtype=np.float32)
    crf = dcrf.DenseCRF2D(width, height, 2)
    crf.setUnaryEnergy(unary)
    crf.addPairwiseBilateral(sxy=sxy, srgb=srgb, rgbim=rgb, compat=compat)
    marginals = np.asarray(crf.inference(iterations), dtype=np.float32)
    foreground = marginals[1].reshape(height, width)
    # Marginals are softmax outputs; clipping only removes float noise.
    return np.clip(foreground, 0.0, 1.0)
