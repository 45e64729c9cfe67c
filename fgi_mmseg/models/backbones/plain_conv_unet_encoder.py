"""nnU-Net's network as a backbone: the encoder of its PlainConvUNet."""
import json
from typing import List, Optional, Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


def _plan_arch(plans_file: str, configuration: str) -> dict:
    """``arch_kwargs`` of one configuration of an nnU-Net plans file."""
    with open(plans_file) as f:
        plans = json.load(f)
    try:
        arch = plans['configurations'][configuration]['architecture']
    except KeyError as err:
        raise ValueError(f'{plans_file}: no configurations.{configuration}.'
                         'architecture') from err
    if not arch['network_class_name'].endswith('PlainConvUNet'):
        raise ValueError(f'{plans_file}: {configuration} plans a '
                         f'{arch["network_class_name"]}, not a PlainConvUNet')
    return arch['arch_kwargs']


@MODELS.register_module()
class PlainConvUNetEncoder(BaseModule):
    """The encoder of nnU-Net's ``PlainConvUNet`` (Isensee et al., 2021),
    built by ``dynamic-network-architectures``, returning the feature of
    every stage.

    The stages are nnU-Net's: ``n_conv_per_stage`` convolutions (bias,
    instance norm with affine parameters, LeakyReLU), the first of each
    stage strided (no pooling), He initialisation with a 0.01 negative
    slope. As a backbone it feeds a neck (FGI's
    :class:`TextVisionFusionNeck`) or a :class:`UNetHead` decoder in
    mmseg's runner; with ``plans_file`` it is exactly the encoder nnU-Net
    planned for a dataset (``nnUNetPlans.json``).

    .. code-block:: none

        x ─ stage 0 (stride 1) ─► f0 (features[0])
             └ stage 1 (stride 2) ─► f1 (features[1])
                └ ... ─► f{n-1} (stride 2^(n-1), features[n-1])

    Args:
        in_channels (int): Input channels.
        features_per_stage (Sequence[int]): Channels per stage, finest
            first. nnU-Net's 2D plan for 112 x 112 images: 32..512.
        n_conv_per_stage (int): Convolutions per stage. Defaults to 2.
        kernel_size (int): Convolution kernel size. Defaults to 3.
        plans_file (str, optional): An nnU-Net plans file; its
            ``configuration``'s features, kernels, strides and convolutions
            per stage replace the arguments above.
        configuration (str): The plan's configuration. Defaults to '2d'.
        init_cfg (dict, optional): Initialisation config; nnU-Net's He
            initialisation when None.
    """

    def __init__(self,
                 in_channels: int = 3,
                 features_per_stage: Sequence[int] = (32, 64, 128, 256, 512),
                 n_conv_per_stage: int = 2,
                 kernel_size: int = 3,
                 plans_file: Optional[str] = None,
                 configuration: str = '2d',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        from dynamic_network_architectures.building_blocks.\
            plain_conv_encoder import PlainConvEncoder
        n = len(features_per_stage)
        arch = dict(
            features_per_stage=list(features_per_stage),
            kernel_sizes=[[kernel_size] * 2] * n,
            strides=[[1, 1]] + [[2, 2]] * (n - 1),
            n_conv_per_stage=[n_conv_per_stage] * n)
        if plans_file:
            planned = _plan_arch(plans_file, configuration)
            arch = {key: planned[key] for key in arch}
        self.features_per_stage = tuple(arch['features_per_stage'])
        self.encoder = PlainConvEncoder(
            in_channels, len(self.features_per_stage),
            arch['features_per_stage'], nn.Conv2d, arch['kernel_sizes'],
            arch['strides'], arch['n_conv_per_stage'], conv_bias=True,
            norm_op=nn.InstanceNorm2d,
            norm_op_kwargs=dict(eps=1e-5, affine=True),
            nonlin=nn.LeakyReLU, nonlin_kwargs=dict(inplace=True),
            return_skips=True)
        self._downsampling = 1
        for stride in arch['strides']:
            self._downsampling *= max(stride)

    def init_weights(self) -> None:
        if self.init_cfg is not None:
            return super().init_weights()
        from dynamic_network_architectures.initialization.weight_init import \
            InitWeights_He
        self.encoder.apply(InitWeights_He(1e-2))

    def forward(self, x: Tensor) -> List[Tensor]:
        """Return the features of all stages, finest first."""
        if any(s % self._downsampling for s in x.shape[-2:]):
            raise ValueError(
                f'PlainConvUNetEncoder downsamples by {self._downsampling}; '
                f'the input size must be divisible by it, got '
                f'{tuple(x.shape[-2:])}')
        return self.encoder(x)
