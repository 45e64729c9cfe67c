"""A UNet encoder that returns its multi-scale features."""
from typing import List, Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import DoubleConv


@MODELS.register_module()
class UNetEncoder(BaseModule):
    """The contracting path of UNet (Ronneberger et al., 2015).

    Unlike mmseg's ``UNet`` backbone, which also contains the decoder, this
    encoder returns the feature of every scale, so that a neck (e.g.
    :class:`TextVisionFusionNeck`) can sit between the encoder and a
    :class:`UNetHead` decoder.

    .. code-block:: none

        x ─ DoubleConv ─► f0 (stride 1, widths[0])
             └ maxpool ─ DoubleConv ─► f1 (stride 2, widths[1])
                          └ ... ─► f4 (stride 16, widths[4])

    Args:
        in_channels (int): Input channels (3 for RGB, 1 for MRI).
        widths (Sequence[int]): Channels per scale; the FGI teacher uses
            (64, 128, 256, 512, 1024), the student (32, 64, 128, 256, 512).
        norm_cfg (dict): Norm layer config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 widths: Sequence[int] = (64, 128, 256, 512, 1024),
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.widths = tuple(widths)
        self.stages = nn.ModuleList()
        for i, width in enumerate(self.widths):
            prev = in_channels if i == 0 else self.widths[i - 1]
            block = DoubleConv(prev, width, norm_cfg, act_cfg)
            self.stages.append(
                block if i == 0 else nn.Sequential(nn.MaxPool2d(2), block))

    def forward(self, x: Tensor) -> List[Tensor]:
        """Return the features of all scales, finest first."""
        if any(s % 2**(len(self.widths) - 1) for s in x.shape[-2:]):
            raise ValueError(
                f'UNetEncoder with {len(self.widths)} scales needs an input '
                f'size divisible by {2**(len(self.widths) - 1)}, got '
                f'{tuple(x.shape[-2:])}')
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats
