"""Per-case comparison panels, like Figure 3 of the paper.

.. code-block:: none

    +---------+--------------+-------------+-----------+----------+-----
    |  Image  | Ground truth | Gaze        | <tested>  | <other 1>| ...
    +---------+--------------+-------------+-----------+----------+-----
    |  tile   |  mask tile   | heatmap     | predicted | predicted|
    |         |              | over image  | mask      | mask     |
    +---------+--------------+-------------+-----------+----------+-----
    | <sample id>: <description of the case, wrapped to the width>   |
    +------------------------------------------------------------------+

Every tile has the same size: the image's original size, or a fixed
display height (``tile_height``) with the image's aspect ratio, so a panel
is ``number of columns x tile width`` pixels wide.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmseg.structures import SegDataSample

from .overlay import colour_mask, heatmap_tile
from .text import (BLACK, FONT, WHITE, font_for, put_centred, text_size,
                   wrap_text)


def message_tile(image: np.ndarray, message: str) -> np.ndarray:
    """A dimmed copy of ``image`` with ``message`` written across it.

    Used where a column has nothing to show (``no gaze``, ``no ground
    truth``).
    """
    tile = (image.astype(np.float32) * 0.25 + 40).clip(0, 255)
    tile = tile.astype(np.uint8)
    scale, thickness = font_for(tile.shape[0])
    put_centred(tile, message, scale, thickness, WHITE)
    return tile


def compose_panel(tiles: Sequence[Tuple[str, np.ndarray]],
                  text: Optional[str] = None) -> np.ndarray:
    """Put titled tiles side by side and wrapped text under them.

    Args:
        tiles: ``(title, tile)`` pairs; all tiles ``H x W x 3`` uint8 of one
            size.
        text: The text row; None leaves it out.

    Returns:
        The panel: ``len(tiles) * W`` wide, title bar + ``H`` + text row
        high, BGR uint8.
    """
    height, width = tiles[0][1].shape[:2]
    scale, thickness = font_for(height)
    line_h = text_size('Ag', scale, thickness)[1]
    title_h = line_h + 8
    panel_w = width * len(tiles)
    rows = []
    titles = np.full((title_h, panel_w, 3), 255, np.uint8)
    for i, (title, tile) in enumerate(tiles):
        if tile.shape[:2] != (height, width):
            raise ValueError(f'tile "{title}" is {tile.shape[:2]}, expected '
                             f'{(height, width)}')
        put_centred(titles[:, i * width:(i + 1) * width], title, scale,
                    thickness, BLACK)
    rows.append(titles)
    body = np.concatenate([tile for _, tile in tiles], axis=1)
    for i in range(1, len(tiles)):  # thin separators between the columns
        body[:, i * width] = WHITE
    rows.append(body)
    if text is not None:
        margin = 6
        lines = wrap_text(text, panel_w - 2 * margin, scale, thickness)
        step = line_h + 4
        block = np.full((step * len(lines) + 2 * margin, panel_w, 3), 255,
                        np.uint8)
        for j, line in enumerate(lines):
            _, baseline = cv2.getTextSize(line, FONT, scale, thickness)
            org = (margin, margin + (j + 1) * step - baseline - 2)
            cv2.putText(block, line, org, FONT, scale, BLACK, thickness,
                        cv2.LINE_AA)
        rows.append(block)
    return np.concatenate(rows, axis=0)


def label_map(sample: SegDataSample, field: str) -> Optional[np.ndarray]:
    """An ``H x W`` uint8 label map of ``field``, if the sample has it."""
    if field not in sample:
        return None
    data = getattr(sample, field).data
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    data = np.asarray(data)
    if data.ndim == 3:
        data = data[0]
    return data.clip(0, 255).astype(np.uint8)


def case_panel(image: np.ndarray,
               sample: SegDataSample,
               predictions: Sequence[Tuple[str, SegDataSample]],
               heatmap: Optional[np.ndarray] = None,
               text: Optional[str] = None,
               tile_height: Optional[int] = 256,
               palette: Optional[Sequence[Sequence[int]]] = None,
               mask_style: str = 'binary',
               heatmap_alpha: float = 0.5) -> np.ndarray:
    """The panel of one test case.

    A missing ground truth, heatmap or prediction gets a tile that says
    so.

    Args:
        image: The case's image, ``H x W x 3`` uint8 BGR.
        sample: The case with its ``gt_sem_seg``, if any.
        predictions: ``(column title, output with pred_sem_seg)``.
        heatmap: The case's gaze heatmap in [0, 1], any size.
        text: The text row; None leaves it out.
        tile_height: Display height of every tile in px; None keeps the
            image's size.
        palette: RGB colour per class (see :func:`colour_mask`).
        mask_style: ``binary`` or ``overlay`` (see :func:`colour_mask`).
        heatmap_alpha: Opacity of the heatmap colour map.

    Returns:
        The panel, BGR uint8.
    """
    height, width = image.shape[:2]
    tile_h = tile_height or height
    tile_w = max(1, int(round(width * tile_h / height)))
    size = (tile_w, tile_h)
    shown = cv2.resize(image, size, interpolation=cv2.INTER_AREA
                       if tile_h < height else cv2.INTER_LINEAR)

    def mask_tile(data_sample, field, missing):
        mask = label_map(data_sample, field)
        if mask is None:
            return message_tile(shown, missing)
        mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
        return colour_mask(mask, shown, palette, mask_style)

    tiles = [
        ('Image', shown),
        ('Ground truth', mask_tile(sample, 'gt_sem_seg', 'no ground truth')),
        ('Gaze', heatmap_tile(shown, heatmap, heatmap_alpha)
         if heatmap is not None else message_tile(shown, 'no gaze')),
    ]
    for title, prediction in predictions:
        tiles.append((title, mask_tile(prediction, 'pred_sem_seg',
                                       'no prediction')))
    return compose_panel(tiles, text)
