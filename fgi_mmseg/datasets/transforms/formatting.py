"""Packing of gaze-aware samples into ``SegDataSample``."""
import re

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample

from .caching import copy_results

# results key -> SegDataSample field; every one is H x W.
PIXEL_FIELDS = {
    'gt_seg_map': 'gt_sem_seg',
    'gt_edge_map': 'gt_edge_map',
    'gt_depth_map': 'gt_depth_map',
    'gt_sparse_seg': 'gt_sparse_seg',
    'gt_comp_seg': 'gt_comp_seg',
    'gt_heatmap': 'gt_heatmap',
}
# Threshold-level masks of LoadGazeHeatmap (``level_thresholds``).
LEVEL_FIELD_PATTERN = re.compile(r'gt_level\d+_seg')


@TRANSFORMS.register_module()
class PackGazeSegInputs(PackSegInputs):
    """Pack image, ground truth, gaze fields and text embedding.

    On top of :class:`mmseg.datasets.transforms.PackSegInputs`, the data
    sample gets ``gt_sparse_seg``, ``gt_comp_seg`` and the threshold-level
    masks ``gt_level{i}_seg`` when present (``PixelData`` of int64 labels)
    and ``gt_heatmap`` (``PixelData`` of float32). The text
    embedding goes into the meta information as ``text_embed`` (an
    ``L x C`` float tensor), because mmseg hands segmentors the meta
    information, not the data fields, on every inference path (whole and
    slide). Its flip variants, when loaded, go there too as
    ``text_embed_flips``. ``sample_id`` and the heatmap's file,
    ``heatmap_path``, are packed into the meta information as well (the
    panel hook draws the heatmap from it when the pipeline does not load
    it).

    The packing is mmseg's (the same tensors, dtypes and meta
    information), done in one pass over the fields: mmseg's
    ``set_metainfo`` deep-copies every meta value on each sample, and that
    and the per-field overhead took as long as the rest of a cached
    sample's pipeline (118 us against 50 us here, per 112 x 112 sample).
    """

    def __init__(self,
                 meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                            'img_shape', 'pad_shape', 'scale_factor', 'flip',
                            'flip_direction', 'reduce_zero_label',
                            'sample_id', 'heatmap_path')) -> None:
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        packed = {}
        if 'img' in results:
            img = results['img']
            if img.ndim < 3:
                img = img[..., None]
            packed['inputs'] = torch.from_numpy(
                np.ascontiguousarray(img.transpose(2, 0, 1)))
        data_sample = SegDataSample()
        for key, value in results.items():
            field = PIXEL_FIELDS.get(key) or (
                key if key.startswith('gt_level') and
                LEVEL_FIELD_PATTERN.fullmatch(key) else None)
            if field is None or value is None:
                continue
            # As in mmseg: labels as int64, the depth map as it is, and
            # 2-D maps get a channel axis; the heatmap as float32.
            if field == 'gt_depth_map':
                dtype = None
            else:
                dtype = np.float32 if value.dtype.kind == 'f' else np.int64
            if value.ndim == 2:
                value = value[None]
            data_sample.set_field(
                PixelData(data=torch.from_numpy(
                    np.ascontiguousarray(value, dtype=dtype))), field)
        for key in self.meta_keys:
            if key in results:
                # set_field, not set_metainfo: the same copy, without
                # copy.deepcopy's bookkeeping.
                data_sample.set_field(copy_results(results[key]), key,
                                      field_type='metainfo')
        # The tensors are new (views of this sample's arrays): no copy.
        if 'text_embed' in results:
            data_sample.set_field(torch.from_numpy(results['text_embed']),
                                  'text_embed', field_type='metainfo')
        if 'text_embed_flips' in results:
            # For flips after packing (GazeSegDataPreProcessor.batch_flip).
            data_sample.set_field({
                key: torch.from_numpy(value)
                for key, value in results['text_embed_flips'].items()
            }, 'text_embed_flips', field_type='metainfo')
        packed['data_samples'] = data_sample
        return packed
