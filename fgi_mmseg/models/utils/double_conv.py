"""The UNet's unit at every scale, shared by its encoder and decoders."""
import torch.nn as nn
from mmcv.cnn import ConvModule


class DoubleConv(nn.Sequential):
    """Two 3x3 conv-norm-act blocks: the UNet's unit at every scale."""

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: dict,
                 act_cfg: dict) -> None:
        super().__init__(
            ConvModule(in_channels, out_channels, 3, padding=1,
                       norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(out_channels, out_channels, 3, padding=1,
                       norm_cfg=norm_cfg, act_cfg=act_cfg))
