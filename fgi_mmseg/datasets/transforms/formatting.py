"""Packing of gaze-aware samples into ``SegDataSample``."""
import re

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

# results key -> SegDataSample field; every one is H x W.
PIXEL_FIELDS = {
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
    """

    def __init__(self,
                 meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                            'img_shape', 'pad_shape', 'scale_factor', 'flip',
                            'flip_direction', 'reduce_zero_label',
                            'sample_id', 'heatmap_path')) -> None:
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        data_sample = packed['data_samples']
        fields = dict(PIXEL_FIELDS)
        fields.update((key, key) for key in results
                      if LEVEL_FIELD_PATTERN.fullmatch(key))
        for key, field in fields.items():
            if key not in results:
                continue
            array = results[key]
            dtype = np.float32 if array.dtype.kind == 'f' else np.int64
            data = torch.from_numpy(
                np.ascontiguousarray(array[None].astype(dtype)))
            data_sample.set_field(PixelData(data=data), field)
        # set_field, not set_metainfo: the tensors are new (views of this
        # sample's arrays), and set_metainfo would deep-copy them again.
        if 'text_embed' in results:
            data_sample.set_field(torch.from_numpy(results['text_embed']),
                                  'text_embed', field_type='metainfo')
        if 'text_embed_flips' in results:
            # For flips after packing (GazeSegDataPreProcessor.batch_flip).
            data_sample.set_field({
                key: torch.from_numpy(value)
                for key, value in results['text_embed_flips'].items()
            }, 'text_embed_flips', field_type='metainfo')
        return packed
