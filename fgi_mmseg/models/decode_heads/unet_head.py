"""The expanding path of UNet as an mmseg decode head."""
from typing import List

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .decode_head import DecodeHead
from ..utils import DoubleConv, concat_channels


@MODELS.register_module()
class UNetHead(DecodeHead):
    """UNet decoder: upsample, concatenate the skip, two convs, per scale.

    Takes the multi-scale features of :class:`UNetEncoder` (or of a neck
    over it), finest first, and decodes back to the finest scale, where
    ``conv_seg`` classifies. ``channels`` must equal ``in_channels[0]``.

    .. code-block:: none

        f4 ─ up ─ cat(f3) ─ DoubleConv ─ up ─ cat(f2) ─ ... ─ cat(f0)
                                                   └ DoubleConv ─ conv_seg

    Args:
        in_channels (list[int]): Widths of the input features, finest first.
        **kwargs: Passed to :class:`BaseDecodeHead` (``channels``,
            ``num_classes``, ``loss_decode``...).
    """

    def __init__(self, in_channels: List[int], **kwargs) -> None:
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('channels', in_channels[0])
        super().__init__(in_channels=in_channels, **kwargs)
        if self.channels != in_channels[0]:
            raise ValueError(f'UNetHead decodes to the finest width '
                             f'{in_channels[0]}, got channels={self.channels}')
        # Upsampling by bilinear interpolation + convs (no transposed conv):
        # fewer parameters, no checkerboard artefacts.
        self.blocks = torch.nn.ModuleList(
            DoubleConv(in_channels[i + 1] + in_channels[i], in_channels[i],
                       self.norm_cfg, self.act_cfg)
            for i in range(len(in_channels) - 1))

    def decode(self, inputs: List[Tensor]) -> Tensor:
        """Decoded feature at the finest scale (before ``conv_seg``)."""
        feats = self._transform_inputs(inputs)
        x = feats[-1]
        for i in range(len(feats) - 2, -1, -1):
            x = F.interpolate(x, size=feats[i].shape[-2:], mode='bilinear',
                              align_corners=self.align_corners)
            x = self.blocks[i](concat_channels([feats[i], x]))
        return x

    def forward(self, inputs: List[Tensor]) -> Tensor:
        return self.cls_seg(self.decode(inputs))
