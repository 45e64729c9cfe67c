"""Gaze: fixation tables, heatmaps, pseudo-masks and gaze simulation."""
from .crf import crf_available, refine_with_crf
from .fixations import (FixationReport, FixationTable, ImageFixations,
                        read_fixations, write_fixations)
from .heatmap import (fast_heatmap, heatmap_to_pseudo_masks, load_heatmap,
                      reference_heatmap, save_heatmap)
from .report import (DEFAULT_THRESHOLDS, format_dice_table, load_binary_mask,
                     pseudo_mask_dice, summarize_dice)
from .simulate import simulate_fixations

__all__ = [
    'FixationReport', 'FixationTable', 'ImageFixations', 'read_fixations',
    'write_fixations', 'fast_heatmap', 'heatmap_to_pseudo_masks',
    'load_heatmap', 'reference_heatmap', 'save_heatmap', 'simulate_fixations',
    'crf_available', 'refine_with_crf', 'DEFAULT_THRESHOLDS',
    'format_dice_table', 'load_binary_mask', 'pseudo_mask_dice',
    'summarize_dice'
]
