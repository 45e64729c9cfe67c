"""Seeded gaze simulation from a ground-truth mask.

ISIC has no recorded gaze, and the synthetic demo data has none either, so
fixations are simulated from the lesion mask (method §3). The rules:

1. The number of fixations is drawn uniformly from ``num_range``
   (inclusive).
2. Each fixation independently is

   * *inside* with probability ``inside``: a lesion pixel drawn with
     probability proportional to its distance to the nearest background
     pixel. Readers look at the body of a lesion rather than its rim, so this
     biases fixations towards the centre of each connected component; larger
     components attract more fixations.
   * *border* with probability ``border``: a pixel drawn uniformly from the
     band of pixels, on either side, within ``border_width`` x the image
     diagonal (3 % by default) of the lesion boundary. This is the gaze that
     traces the outline.
   * *off-target* otherwise: a pixel drawn uniformly over the whole image
     (so it may fall on the lesion by chance): glances at other structures.

3. Durations are log-uniform on ``duration_range`` and rounded to whole ms.
   The real Kvasir fixations (``kvasir_fixation.csv``, 26,832 fixations) have
   a median of 305 ms, 5-95 % percentiles of 148-633 ms and a long tail
   (1-99 %: 73-911 ms, minimum 50 ms because shorter fixations were
   removed); log-uniform on the default (100, 800) ms has median 283 ms and
   5-95 % percentiles 111-721 ms, close to that with no parameters to fit.
4. A pixel ``(row, col)`` becomes ``x = (col + 0.5) / W``,
   ``y = (row + 0.5) / H``: the pixel centre, in [0, 1].
5. Fixation order is random (the heatmap does not depend on it).

Fallbacks: an empty mask has no lesion to look at, so every fixation is
off-target (uniform over the image). When the border band is empty (a mask
that covers the whole image), border fixations are drawn as inside ones.

``rng`` is the only source of randomness: the same generator state gives the
same fixations.
"""
import numpy as np
from scipy import ndimage

from .fixations import ImageFixations


def _check_args(num_range: tuple[int, int], inside: float, border: float,
                duration_range: tuple[float, float], border_width: float,
                ) -> None:
    lo, hi = num_range
    if not 1 <= lo <= hi:
        raise ValueError(f'num_range must satisfy 1 <= low <= high, got '
                         f'{num_range}')
    if inside < 0 or border < 0 or inside + border > 1:
        raise ValueError('inside and border must be >= 0 with a sum <= 1, got '
                         f'{inside} and {border}')
    if not 0 < duration_range[0] <= duration_range[1]:
        raise ValueError('duration_range must satisfy 0 < low <= high, got '
                         f'{duration_range}')
    if border_width <= 0:
        raise ValueError(f'border_width must be positive, got {border_width}')


def _pick(rng: np.random.Generator, weights: np.ndarray,
          count: int) -> np.ndarray:
    """Flat pixel indices drawn with replacement, proportional to weights."""
    if count == 0:
        return np.zeros(0, np.int64)
    flat = weights.reshape(-1).astype(np.float64)
    return rng.choice(flat.size, size=count, p=flat / flat.sum())


def simulate_fixations(mask: np.ndarray,
                       rng: np.random.Generator,
                       image_id: str,
                       num_range: tuple[int, int] = (10, 40),
                       inside: float = 0.75,
                       border: float = 0.15,
                       duration_range: tuple[float, float] = (100, 800),
                       border_width: float = 0.03) -> ImageFixations:
    """Simulate one reader's fixations on an image from its lesion mask.

    See the module docstring for the rules.

    Args:
        mask: H x W lesion mask (bool, or 0/1; any non-zero is lesion).
        rng: The generator all random draws come from.
        image_id: Id stored in the result.
        num_range: Inclusive range of the number of fixations.
        inside: Probability that a fixation is on the lesion.
        border: Probability that a fixation is near the lesion boundary.
        duration_range: Range (ms) of the log-uniform durations.
        border_width: Half-width of the border band, as a fraction of the
            image diagonal.

    Returns:
        The simulated fixations, with the mask's height and width.
    """
    _check_args(num_range, inside, border, duration_range, border_width)
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f'mask must be a non-empty 2-D array, got shape '
                         f'{mask.shape}')
    lesion = mask != 0
    height, width = lesion.shape

    num = int(rng.integers(num_range[0], num_range[1] + 1))
    kind_probs = [inside, border, max(0.0, 1.0 - inside - border)]
    if lesion.any():
        counts = rng.multinomial(num, kind_probs)
    else:
        counts = np.array([0, 0, num])

    everywhere = np.ones(lesion.shape)
    if lesion.any() and not lesion.all():
        # Distance of each lesion pixel to the background and vice versa.
        depth = ndimage.distance_transform_edt(lesion)
        gap = ndimage.distance_transform_edt(~lesion)
        band_px = border_width * np.hypot(height, width)
        inside_weights = depth
        band = np.where(lesion, depth, gap) <= max(band_px, 1.0)
    else:
        # A mask covering everything has no boundary to trace.
        inside_weights = lesion.astype(np.float64)
        band = np.zeros_like(lesion)
    if not band.any():
        counts = np.array([counts[0] + counts[1], 0, counts[2]])

    picks = np.concatenate([
        _pick(rng, inside_weights, counts[0]),
        _pick(rng, band, counts[1]),
        _pick(rng, everywhere, counts[2]),
    ])
    picks = rng.permutation(picks)
    rows, cols = np.divmod(picks, width)

    low, high = np.log(duration_range[0]), np.log(duration_range[1])
    duration = np.round(np.exp(rng.uniform(low, high, size=num)))
    return ImageFixations(
        image_id=image_id,
        x=(cols + 0.5) / width,
        y=(rows + 0.5) / height,
        duration=duration,
        height=height,
        width=width)
