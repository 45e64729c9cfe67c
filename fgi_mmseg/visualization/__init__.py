"""Drawing for people to look at: comparison panels and mask overlays.

* :mod:`.text`: lines of text on tiles;
* :mod:`.overlay`: masks and heatmaps over an image (the panels' tiles and
  the overlays of ``tools/infer.py``);
* :mod:`.panel`: titled tiles side by side with a text row, and the panel
  of one test case (:class:`~fgi_mmseg.engine.GazePanelHook`).
"""
from .overlay import MASK_STYLES, colour_mask, draw_overlay, heatmap_tile
from .panel import case_panel, compose_panel, label_map, message_tile
from .text import wrap_text

__all__ = [
    'MASK_STYLES', 'colour_mask', 'draw_overlay', 'heatmap_tile',
    'case_panel', 'compose_panel', 'label_map', 'message_tile', 'wrap_text'
]
