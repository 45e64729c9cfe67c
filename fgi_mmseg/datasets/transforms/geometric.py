"""Geometric transforms that move every pixel field with the image.

mmcv's ``Resize`` and ``RandomFlip`` only touch ``gt_seg_map``. A gaze
sample also carries a heatmap and two pseudo-masks in ``seg_fields``;
these subclasses apply the same geometry to all of them. (mmseg's
``RandomCrop`` and ``RandomRotate`` already honour ``seg_fields``.)
"""
import mmcv
import numpy as np
from mmcv.transforms import RandomFlip, Resize
from mmseg.registry import TRANSFORMS


def _pixel_fields(results: dict) -> list:
    keys = list(results.get('seg_fields', []))
    if results.get('gt_seg_map') is not None and 'gt_seg_map' not in keys:
        keys.append('gt_seg_map')
    return keys


@TRANSFORMS.register_module()
class GazeResize(Resize):
    """:class:`mmcv.transforms.Resize` for every field in ``seg_fields``.

    Label maps use nearest-neighbour interpolation; float maps (the gaze
    heatmap) use bilinear interpolation so they stay smooth.
    """

    def _resize_seg(self, results: dict) -> None:
        for key in _pixel_fields(results):
            array = results[key]
            interpolation = 'bilinear' if array.dtype.kind == 'f' \
                else 'nearest'
            if self.keep_ratio:
                array = mmcv.imrescale(array, results['scale'],
                                       interpolation=interpolation,
                                       backend=self.backend)
            else:
                array = mmcv.imresize(array, results['scale'],
                                      interpolation=interpolation,
                                      backend=self.backend)
            results[key] = array


@TRANSFORMS.register_module()
class GazeRandomFlip(RandomFlip):
    """:class:`mmcv.transforms.RandomFlip` for every field in
    ``seg_fields`` (``swap_seg_labels`` applies to ``gt_seg_map`` only)."""

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        for key in _pixel_fields(results):
            if key != 'gt_seg_map':
                results[key] = np.ascontiguousarray(
                    mmcv.imflip(results[key],
                                direction=results['flip_direction']))
