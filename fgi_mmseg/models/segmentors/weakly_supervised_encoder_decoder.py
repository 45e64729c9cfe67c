"""An EncoderDecoder that learns from a gaze pseudo-label, never from GT."""
from typing import List

from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

LABEL_FIELDS = ('gt_sparse_seg', 'gt_comp_seg')


def relabel(data_samples: List[SegDataSample],
            label_field: str) -> List[SegDataSample]:
    """New data samples whose ``gt_sem_seg`` is the pseudo-label field.

    Only the meta information and the pseudo-label are carried over, so a
    ground-truth mask that happened to be loaded cannot reach the loss.

    Args:
        data_samples (list[SegDataSample]): Packed training samples.
        label_field (str): ``gt_sparse_seg`` or ``gt_comp_seg``.

    Returns:
        list[SegDataSample]: Samples with only ``gt_sem_seg`` set.
    """
    relabelled = []
    for sample in data_samples:
        if label_field not in sample:
            raise KeyError(
                f'sample "{sample.metainfo.get("sample_id", "?")}" has no '
                f'"{label_field}": add LoadGazeHeatmap to the train pipeline')
        # A new PixelData, so that changing the label (DARM) leaves the
        # caller's sample untouched.
        relabelled.append(
            SegDataSample(
                metainfo=sample.metainfo,
                gt_sem_seg=PixelData(data=sample.get(label_field).data)))
    return relabelled


@MODELS.register_module()
class WeaklySupervisedEncoderDecoder(EncoderDecoder):
    """:class:`EncoderDecoder` trained on a gaze pseudo-mask.

    Any mmseg backbone, neck and head work unchanged: ``loss`` swaps each
    sample's supervision for the configured pseudo-label before the heads
    see it; ``predict`` is the plain EncoderDecoder's.

    .. code-block:: none

        loss(inputs, data_samples)
         ├─ relabel(data_samples, train_label)  # gt_sem_seg := pseudo-mask
         └─ EncoderDecoder.loss                 # extract_feat -> heads

    Args:
        train_label (str): ``gt_comp_seg`` (comprehensive mask, plain CE) or
            ``gt_sparse_seg`` (sparse mask: use a loss that ignores 255).
        **kwargs: Passed to :class:`EncoderDecoder`.
    """

    def __init__(self, train_label: str = 'gt_comp_seg', **kwargs) -> None:
        if train_label not in LABEL_FIELDS:
            raise ValueError(f'train_label must be one of {LABEL_FIELDS}, '
                             f'got "{train_label}"')
        super().__init__(**kwargs)
        self.train_label = train_label

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> dict:
        return super().loss(inputs, relabel(data_samples, self.train_label))
