"""Gaze: fixation tables, heatmaps, pseudo-masks and gaze simulation."""
from .fixations import (FixationReport, FixationTable, ImageFixations,
                        read_fixations, write_fixations)
from .heatmap import (fast_heatmap, heatmap_to_pseudo_masks, load_heatmap,
                      reference_heatmap, save_heatmap)
from .simulate import simulate_fixations

__all__ = [
    'FixationReport', 'FixationTable', 'ImageFixations', 'read_fixations',
    'write_fixations', 'fast_heatmap', 'heatmap_to_pseudo_masks',
    'load_heatmap', 'reference_heatmap', 'save_heatmap', 'simulate_fixations'
]
