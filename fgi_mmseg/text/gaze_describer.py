"""``gaze``: an offline describer reading the gaze heatmap and the image.

It stands in for a VLM when none is available (and for tests): every field
is measured from the gaze heatmap ``H`` and simple image statistics inside
the gazed region, never from a ground-truth mask (:class:`DescribeSample`
has no mask field at all).

Rules (the thresholds are module constants, chosen from their geometric
meaning and checked on the 1,000 Kvasir-SEG heatmaps so that no category
is empty or takes everything):

* region ``R``: pixels with ``H >= threshold`` after rescaling ``H`` to a
  maximum of 1 (the pseudo-mask rule of method §3);
* ``location``: the ``H``-weighted centroid of ``R``; ``center`` when it lies
  in the central third of both axes, otherwise its quadrant. Weighting only
  inside ``R`` keeps faint stray fixations from pulling it to the middle;
* ``area_percentage``: ``100 * |R| / |image|``;
* ``boundary``: ``ambiguous`` when the colour contrast between ``R`` and a
  ring just outside it is low (CIE76 distance of their mean Lab colours
  below :data:`AMBIGUOUS_DELTA_E`); otherwise ``irregular`` when the largest
  component's isoperimetric ratio ``perimeter^2 / (4 pi area)`` (1 for a
  disc) exceeds :data:`IRREGULAR_RATIO`, or the gaze splits into several
  regions; otherwise ``clear``;
* shape word: from the largest component's solidity (area / convex hull
  area): ``smooth`` (nearly convex), ``lobulated`` (bulges between
  concavities), ``spiculated`` (thin protrusions inflate the hull);
* texture/brightness words: ``bright``/``dark`` from the lightness
  difference, ``reddish`` from the red-green (a*) difference, ``pale`` from
  lower chroma, ``granular``/``homogeneous`` from the ratio of fine-detail
  (high-pass lightness) standard deviations, all inside vs the ring;
* ``confidence``: peakiness of the gaze, the fraction of the heatmap's mass
  inside ``R`` (0.5 for a single Gaussian blob at threshold 0.5, more when
  the min-max normalisation removed a baseline, less when attention was
  spread over several places; Kvasir: median 0.56, 5th percentile 0.44);
* ``remarks``: ``'<n> separate gaze regions'`` when there are several,
  else empty.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

import cv2
import numpy as np

from fgi_mmseg.gaze import load_heatmap
from .base import (BaseDescriber, DescribeError, DescribeSample,
                   register_describer)
from .schema import validate_report

# Images and heatmaps are measured at most this large (long side): the
# statistics are coarse, and full-resolution Kvasir frames are 2 Mpx.
WORK_SIDE = 256
CENTER_BOX = 1 / 3  # side of the central box, as a fraction of each axis
RING_FRACTION = 0.04  # ring width outside R, as a fraction of the long side
MIN_COMPONENT = 0.1  # components below this fraction of the largest: specks
AMBIGUOUS_DELTA_E = 6.0  # mean-colour distance below which R blends in
IRREGULAR_RATIO = 1.6  # isoperimetric ratio above which a boundary wiggles
SMOOTH_SOLIDITY = 0.9
LOBULATED_SOLIDITY = 0.75  # below it: spiculated
BRIGHTNESS_DELTA_L = 6.0  # lightness difference (L* units) for bright/dark
REDDISH_DELTA_A = 4.0  # a* difference for reddish
PALE_DELTA_CHROMA = 4.0  # chroma drop for pale
GRANULAR_RATIO = 1.4  # fine-detail std ratio (homogeneous below 1/ratio)
HIGH_MASS = 0.6  # mass fraction inside R for 'high' confidence
MODERATE_MASS = 0.45  # ... for 'moderate'; 'low' below


@dataclass
class GazeRegionStats:
    """Measurements of the gazed region (see the module docstring).

    Attributes:
        centroid: ``(x, y)`` of the weighted centroid, normalised to [0, 1].
        area_fraction: ``|R| / |image|``.
        components: Number of non-speck connected components of ``R``.
        isoperimetric: ``perimeter^2 / (4 pi area)`` of the largest one.
        solidity: Area / convex hull area of the largest one.
        mass_fraction: Share of the heatmap's total mass inside ``R``.
        delta_e: Distance of mean Lab colours, inside vs ring.
        delta_l: Mean lightness inside minus ring.
        delta_a: Mean a* (red-green) inside minus ring.
        delta_chroma: Mean chroma inside minus ring.
        detail_ratio: Fine-detail std inside / ring.
    """

    centroid: Tuple[float, float]
    area_fraction: float
    components: int
    isoperimetric: float
    solidity: float
    mass_fraction: float
    delta_e: float
    delta_l: float
    delta_a: float
    delta_chroma: float
    detail_ratio: float


def _read_rgb(path: str) -> np.ndarray:
    """An image as float32 RGB in [0, 1]; DescribeError if unreadable."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as err:
        raise DescribeError(f'{path}: cannot read image ({err})') from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)  # also drops alpha/16 bit
    if image is None:
        raise DescribeError(f'{path}: not a readable image')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB).astype(np.float32) / 255


def _to_work_size(heatmap: np.ndarray, image: np.ndarray,
                  side: int) -> Tuple[np.ndarray, np.ndarray]:
    """Resize both to the image's aspect with a long side of at most side."""
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # (w, h)
    if (w, h) != size:
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if heatmap.shape[::-1] != size:
        heatmap = cv2.resize(heatmap, size, interpolation=cv2.INTER_AREA)
    return heatmap, image


def _masked_mean_std(values: np.ndarray,
                     mask: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std of ``values`` (H x W x C) where mask."""
    selected = values[mask]
    return selected.mean(axis=0), selected.std(axis=0)


def measure_gaze_region(heatmap: np.ndarray, image: np.ndarray,
                        threshold: float = 0.5) -> GazeRegionStats:
    """Measure the gazed region of a heatmap and the image inside it.

    Args:
        heatmap: 2-D map with a positive maximum (any scale; it is divided
            by its maximum).
        image: float32 RGB image in [0, 1] of the heatmap's size.
        threshold: Fraction of the maximum that defines the region ``R``.

    Returns:
        The measurements.

    Raises:
        DescribeError: If the heatmap has no positive value.
    """
    peak = float(heatmap.max())
    if not peak > 0:
        raise DescribeError('heatmap is empty (no gaze recorded)')
    heat = heatmap.astype(np.float32) / peak
    region = heat >= threshold  # never empty: the peak is 1
    h, w = heat.shape

    weights = heat * region
    total = float(weights.sum())
    ys, xs = np.indices((h, w), dtype=np.float64)
    # Pixel centres, so a centred blob gives exactly 0.5.
    cx = float(((xs + 0.5) * weights).sum() / total / w)
    cy = float(((ys + 0.5) * weights).sum() / total / h)

    region_u8 = region.astype(np.uint8)
    contours, _ = cv2.findContours(region_u8, cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    # Pixel count of each component; contourArea of a 1-pixel region is 0.
    areas = []
    for contour in contours:
        filled = np.zeros_like(region_u8)
        cv2.drawContours(filled, [contour], -1, 1, thickness=cv2.FILLED)
        areas.append(int(filled.sum()))
    largest = int(np.argmax(areas))
    components = sum(a >= MIN_COMPONENT * areas[largest] for a in areas)
    contour = contours[largest]
    # The filled pixel count, not contourArea: consistent with the
    # perimeter measured along the pixel boundary (small regions otherwise
    # get absurd ratios).
    area = float(areas[largest])
    perimeter = float(cv2.arcLength(contour, closed=True))
    isoperimetric = max(1.0, perimeter**2 / (4 * np.pi * area)) \
        if perimeter > 0 else 1.0
    hull_area = float(cv2.contourArea(cv2.convexHull(contour)))
    solidity = min(1.0, float(cv2.contourArea(contour)) / hull_area) \
        if hull_area > 0 else 1.0

    ring_px = max(2, round(RING_FRACTION * max(h, w)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                       (2 * ring_px + 1, 2 * ring_px + 1))
    ring = cv2.dilate(region_u8, kernel).astype(bool) & ~region
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2Lab)  # L in [0, 100]
    # Fine detail: lightness minus its local mean.
    lightness = lab[..., 0]
    detail = lightness - cv2.GaussianBlur(lightness, (0, 0), 1.5)
    if ring.any():
        mean_in, _ = _masked_mean_std(lab, region)
        mean_out, _ = _masked_mean_std(lab, ring)
        chroma_in = float(np.hypot(*mean_in[1:]))
        chroma_out = float(np.hypot(*mean_out[1:]))
        detail_in = float(detail[region].std())
        detail_out = float(detail[ring].std())
        delta = mean_in - mean_out
        delta_e = float(np.linalg.norm(delta))
        delta_l, delta_a = float(delta[0]), float(delta[1])
        delta_chroma = chroma_in - chroma_out
        detail_ratio = (detail_in + 1e-3) / (detail_out + 1e-3)
    else:  # R is the whole image: nothing to compare with
        delta_e = delta_l = delta_a = delta_chroma = 0.0
        detail_ratio = 1.0

    return GazeRegionStats(
        centroid=(cx, cy),
        area_fraction=float(region.mean()),
        components=int(components),
        isoperimetric=float(isoperimetric),
        solidity=float(solidity),
        mass_fraction=float((heat * region).sum() / heat.sum()),
        delta_e=delta_e,
        delta_l=delta_l,
        delta_a=delta_a,
        delta_chroma=delta_chroma,
        detail_ratio=float(detail_ratio))


def location_of(cx: float, cy: float) -> str:
    """Quadrant of a normalised point, or 'center' in the central box."""
    low, high = 0.5 - CENTER_BOX / 2, 0.5 + CENTER_BOX / 2
    if low <= cx <= high and low <= cy <= high:
        return 'center'
    vertical = 'upper' if cy < 0.5 else 'lower'
    horizontal = 'left' if cx < 0.5 else 'right'
    return f'{vertical} {horizontal}'


def report_from_stats(stats: GazeRegionStats) -> Dict[str, Any]:
    """Apply the module's rules to measurements (unvalidated report)."""
    if stats.delta_e < AMBIGUOUS_DELTA_E:
        boundary = 'ambiguous'
    elif stats.isoperimetric > IRREGULAR_RATIO or stats.components > 1:
        boundary = 'irregular'
    else:
        boundary = 'clear'

    if stats.solidity >= SMOOTH_SOLIDITY:
        shape = 'smooth'
    elif stats.solidity >= LOBULATED_SOLIDITY:
        shape = 'lobulated'
    else:
        shape = 'spiculated'
    words: List[str] = [shape]
    if stats.delta_l >= BRIGHTNESS_DELTA_L:
        words.append('bright')
    elif stats.delta_l <= -BRIGHTNESS_DELTA_L:
        words.append('dark')
    if stats.delta_a >= REDDISH_DELTA_A:
        words.append('reddish')
    elif stats.delta_chroma <= -PALE_DELTA_CHROMA:
        words.append('pale')
    if stats.detail_ratio >= GRANULAR_RATIO:
        words.append('granular')
    elif stats.detail_ratio <= 1 / GRANULAR_RATIO:
        words.append('homogeneous')

    if stats.mass_fraction >= HIGH_MASS:
        confidence = 'high'
    elif stats.mass_fraction >= MODERATE_MASS:
        confidence = 'moderate'
    else:
        confidence = 'low'

    return {
        'location': location_of(*stats.centroid),
        'boundary': boundary,
        'characteristics': words,
        'area_percentage': round(100 * stats.area_fraction, 1),
        'confidence': confidence,
        'remarks': (f'{stats.components} separate gaze regions'
                    if stats.components > 1 else ''),
    }


@register_describer
class GazeDescriber(BaseDescriber):
    """Describe the gazed region from the heatmap and the image alone.

    Args:
        threshold: Fraction of the heatmap's maximum defining the region.
        work_side: Long side (pixels) images are reduced to for measuring.
    """

    name = 'gaze'
    needs_heatmap = True

    def __init__(self, threshold: float = 0.5,
                 work_side: int = WORK_SIDE) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f'threshold must be in (0, 1], got {threshold}')
        if work_side < 8:
            raise ValueError(f'work_side must be >= 8, got {work_side}')
        self.threshold = float(threshold)
        self.work_side = int(work_side)

    def measure(self, sample: DescribeSample) -> GazeRegionStats:
        """Load the sample's heatmap and image and measure the region."""
        if not sample.heatmap_path:
            raise DescribeError(f'{sample.sample_id}: no heatmap given (the '
                                'gaze describer needs one)')
        try:
            heatmap = load_heatmap(sample.heatmap_path)
        except (OSError, ValueError) as err:
            raise DescribeError(str(err)) from None
        image = _read_rgb(sample.image_path)
        heatmap, image = _to_work_size(heatmap, image, self.work_side)
        return measure_gaze_region(heatmap, image, self.threshold)

    def describe(self, sample: DescribeSample) -> Dict[str, Any]:
        """Describe one sample (see the module docstring for the rules)."""
        return validate_report(report_from_stats(self.measure(sample)))

    def __repr__(self) -> str:
        return (f'GazeDescriber(threshold={self.threshold}, '
                f'work_side={self.work_side})')
