"""Masks and heatmaps drawn over an image: the tiles of the comparison
panels and the overlays of ``tools/infer.py``."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .text import WHITE

MASK_STYLES = ('binary', 'overlay')
# BGR. Foreground class 1 in the panels' 'overlay' style, ignored (255)
# pixels in both styles, and the mask of tools/infer.py's overlays.
CLASS_COLOUR = (0, 0, 255)
IGNORE_COLOUR = (128, 128, 128)
OVERLAY_COLOUR = (0, 255, 0)


def blend(pixels: np.ndarray, colour: Sequence[int],
          alpha: float) -> np.ndarray:
    """``(1 - alpha) * pixels + alpha * colour``, unrounded.

    Float pixels keep their type; integer pixels give float64.
    """
    dtype = pixels.dtype if pixels.dtype.kind == 'f' else np.float64
    return (1 - alpha) * pixels + alpha * np.array(colour, dtype)


def outline(canvas: np.ndarray, region: np.ndarray, colour: Sequence[int],
            thickness: int = 1) -> None:
    """Draw the outer contours of ``region`` (``H x W``, non-zero inside)
    on ``canvas``, in place."""
    contours, _ = cv2.findContours(region.astype(np.uint8),
                                   cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(canvas, contours, -1, colour, thickness)


def colour_mask(mask: np.ndarray,
                image: Optional[np.ndarray] = None,
                palette: Optional[Sequence[Sequence[int]]] = None,
                style: str = 'binary',
                alpha: float = 0.5) -> np.ndarray:
    """Draw a label map as a BGR tile.

    Args:
        mask: ``H x W`` integer labels (0 background, 255 ignored).
        image: ``H x W x 3`` BGR image, needed by the ``overlay`` style.
        palette: RGB colour per class (the dataset's ``palette``); used
            for more than one foreground class.
        style: ``binary`` (white foreground on black, like the paper's
            masks) or ``overlay`` (coloured foreground and its contour
            over the image).
        alpha: Opacity of the foreground in the ``overlay`` style.

    Returns:
        ``H x W x 3`` uint8 BGR tile.
    """
    if style not in MASK_STYLES:
        raise ValueError(f'style must be one of {MASK_STYLES}, got {style}')
    mask = np.asarray(mask)
    labels = [int(v) for v in np.unique(mask) if v not in (0, 255)]
    many = bool(palette) and any(v > 1 for v in labels)

    def colour(label: int) -> Tuple[int, int, int]:
        if many and label < len(palette):
            r, g, b = palette[label]
            return int(b), int(g), int(r)
        return WHITE if style == 'binary' else CLASS_COLOUR

    if style == 'binary':
        tile = np.zeros(mask.shape + (3, ), np.uint8)
        for label in labels:
            tile[mask == label] = colour(label)
        tile[mask == 255] = IGNORE_COLOUR
        return tile
    if image is None:
        raise ValueError('the overlay style needs the image')
    tile = image.astype(np.float32)
    for label in labels:
        region = mask == label
        tile[region] = blend(tile[region], colour(label), alpha)
    # Truncated, where draw_overlay rounds: the panels keep their pixels.
    tile = tile.clip(0, 255).astype(np.uint8)
    for label in labels:
        outline(tile, mask == label, colour(label))
    return tile


def heatmap_tile(image: np.ndarray, heatmap: np.ndarray,
                 alpha: float = 0.5) -> np.ndarray:
    """The gaze heatmap as a JET colour map blended over the image.

    Args:
        image: ``H x W x 3`` uint8 BGR image.
        heatmap: Float heatmap in [0, 1] (any size; resized to the image).
        alpha: Opacity of the colour map.

    Returns:
        ``H x W x 3`` uint8 BGR tile.
    """
    height, width = image.shape[:2]
    heat = np.asarray(heatmap, np.float32)
    if heat.shape != (height, width):
        heat = cv2.resize(heat, (width, height),
                          interpolation=cv2.INTER_LINEAR)
    heat = (heat.clip(0, 1) * 255).astype(np.uint8)
    colours = cv2.applyColorMap(heat, cv2.COLORMAP_JET)
    return cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)


def draw_overlay(image: np.ndarray, mask: np.ndarray, opacity: float,
                 color: Tuple[int, int, int] = OVERLAY_COLOUR) -> np.ndarray:
    """Blend ``color`` into ``image`` where ``mask`` is set; draw its
    contour, thicker on larger images.

    Args:
        image (np.ndarray): H x W x 3 BGR uint8 image.
        mask (np.ndarray): H x W binary mask.
        opacity (float): Weight of the colour inside the mask.
        color (tuple[int, int, int]): BGR colour.

    Returns:
        np.ndarray: The overlay (a new array).
    """
    overlay = image.copy()
    inside = mask > 0
    overlay[inside] = np.round(blend(image[inside], color,
                                     opacity)).astype(np.uint8)
    outline(overlay, inside, color, max(1, round(min(mask.shape) / 200)))
    return overlay
