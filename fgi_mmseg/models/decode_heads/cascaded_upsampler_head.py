"""TransUNet's cascaded upsampler as an mmseg decode head."""
from typing import List, Optional, Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.registry import MODELS
from torch import Tensor

from .decode_head import DecodeHead
from ..utils import DoubleConv, concat_channels


@MODELS.register_module()
class CascadedUpsamplerHead(DecodeHead):
    """The cascaded upsampler (CUP) of TransUNet (Chen et al., 2021).

    Takes the features of :class:`TransUNetEncoder`, finest first: skips,
    then the transformer's map. A 3x3 conv brings the transformer's map to
    ``head_channels``; each of the ``decoder_channels`` blocks upsamples
    x2, concatenates the skip of that scale (coarsest first, while there
    are skips) and applies two 3x3 conv-norm-act. With 3 skips and 4
    blocks the last block has no skip and decodes to the input resolution.

    .. code-block:: none

        f3 (stride 16) ─ conv3x3 ─ up ─ cat(f2) ─ 2 x conv ─ up ─ cat(f1)
            ─ 2 x conv ─ up ─ cat(f0) ─ 2 x conv ─ up ─ 2 x conv ─ conv_seg

    ``channels`` (the width ``conv_seg`` classifies) is
    ``decoder_channels[-1]``.

    Args:
        in_channels (list[int]): Widths of the input features, finest
            first; the last is the transformer's, the others the skips.
        decoder_channels (Sequence[int]): Width of each upsampling block.
            Defaults to (256, 128, 64, 16).
        head_channels (int): Width of the first 3x3 conv. Defaults to 512.
        seg_kernel_size (int): Kernel size of ``conv_seg``; TransUNet
            classifies with a 3x3 conv. Defaults to 3.
        **kwargs: Passed to :class:`BaseDecodeHead` (``num_classes``,
            ``loss_decode``...); ``norm_cfg`` defaults to BN.
    """

    def __init__(self,
                 in_channels: List[int],
                 decoder_channels: Sequence[int] = (256, 128, 64, 16),
                 head_channels: int = 512,
                 seg_kernel_size: int = 3,
                 **kwargs) -> None:
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('channels', decoder_channels[-1])
        kwargs.setdefault('norm_cfg', dict(type='BN', requires_grad=True))
        super().__init__(in_channels=in_channels, **kwargs)
        self.decoder_channels = tuple(decoder_channels)
        if self.channels != self.decoder_channels[-1]:
            raise ValueError(
                f'CascadedUpsamplerHead classifies the last decoder width '
                f'{self.decoder_channels[-1]}, got channels={self.channels}')
        if self.input_transform != 'multiple_select':
            raise ValueError('CascadedUpsamplerHead needs several inputs: '
                             "input_transform='multiple_select'")
        skip_channels = self._skip_channels()
        self.conv_more = ConvModule(
            self.in_channels[-1], head_channels, 3, padding=1,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        widths_in = (head_channels, ) + self.decoder_channels[:-1]
        self.blocks = nn.ModuleList(
            DoubleConv(width_in + width_skip, width_out, self.norm_cfg,
                       self.act_cfg)
            for width_in, width_skip, width_out in zip(
                widths_in, skip_channels, self.decoder_channels))
        self.conv_seg = nn.Conv2d(
            self.channels, self.out_channels, seg_kernel_size,
            padding=seg_kernel_size // 2)

    def _skip_channels(self) -> List[int]:
        """Skip width of each decoder block (0: no skip), coarsest first."""
        skips = list(self.in_channels[-2::-1])
        if len(skips) > len(self.decoder_channels):
            raise ValueError(
                f'{len(skips)} skips need at least as many decoder blocks, '
                f'got decoder_channels={self.decoder_channels}')
        return skips + [0] * (len(self.decoder_channels) - len(skips))

    def _upsample(self, x: Tensor, skip: Optional[Tensor]) -> Tensor:
        """x2 bilinear, or to the skip's size (odd input sizes)."""
        size = skip.shape[-2:] if skip is not None else tuple(
            2 * s for s in x.shape[-2:])
        return F.interpolate(
            x, size=size, mode='bilinear', align_corners=self.align_corners)

    def decode(self, inputs: List[Tensor]) -> Tensor:
        """Decoded feature at the input resolution (before ``conv_seg``)."""
        feats = self._transform_inputs(inputs)
        skips = feats[-2::-1]
        x = self.conv_more(feats[-1])
        for i, block in enumerate(self.blocks):
            skip = skips[i] if i < len(skips) else None
            x = self._upsample(x, skip)
            if skip is not None:
                x = concat_channels([x, skip])
            x = block(x)
        return x

    def forward(self, inputs: List[Tensor]) -> Tensor:
        return self.cls_seg(self.decode(inputs))
