"""mmseg's BaseDecodeHead, with a training loss that skips needless work."""
import torch
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.utils import SampleList
from torch import Tensor

from ..utils import resize_logits


def pixel_accuracy(logits: Tensor, label: Tensor,
                   ignore_index: int) -> Tensor:
    """Top-1 accuracy (%) over the pixels whose label is not ignored.

    mmseg's ``accuracy`` with ``topk=1``, without its ``topk`` and boolean
    indexing (a host sync and two copies of the batch per step).
    """
    valid = label != ignore_index
    correct = (logits.argmax(1) == label) & valid
    return correct.sum() * 100.0 / valid.sum().clamp_min(1)


class DecodeHead(BaseDecodeHead):
    """:class:`BaseDecodeHead` whose ``loss_by_feat`` does less per step.

    The losses are mmseg's, term for term. Two things are not done:
    bilinear "resizing" of logits that already have the label's size
    (an identity that costs a forward and a backward pass over the logits;
    our heads decode to the input resolution), and ``acc_seg`` is computed
    by :func:`pixel_accuracy`, which gives the same number.
    """

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> dict:
        seg_label = self._stack_batch_gt(batch_data_samples)
        seg_logits = resize_logits(seg_logits, seg_label.shape[2:],
                                   self.align_corners)
        seg_weight = None if self.sampler is None else \
            self.sampler.sample(seg_logits, seg_label)
        seg_label = seg_label.squeeze(1)
        losses_decode = self.loss_decode if isinstance(
            self.loss_decode, nn.ModuleList) else [self.loss_decode]
        loss = dict()
        for loss_decode in losses_decode:
            value = loss_decode(seg_logits, seg_label, weight=seg_weight,
                                ignore_index=self.ignore_index)
            name = loss_decode.loss_name
            loss[name] = loss[name] + value if name in loss else value
        with torch.no_grad():
            loss['acc_seg'] = pixel_accuracy(seg_logits, seg_label,
                                             self.ignore_index)
        return loss
