"""The hybrid ResNet + ViT encoder of TransUNet."""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule, ModuleList
from mmengine.model.weight_init import trunc_normal_, trunc_normal_init
from mmseg.models.backbones import ResNet
from mmseg.models.backbones.vit import TransformerEncoderLayer
from mmseg.models.utils import PatchEmbed
from mmseg.registry import MODELS
from torch import Tensor
from torch.nn.modules.utils import _pair as to_2tuple


@MODELS.register_module()
class TransUNetEncoder(BaseModule):
    """The encoder of TransUNet (Chen et al., 2021): R50 stem + ViT.

    A ResNet with GroupNorm and weight-standardised convs (BiT style, from
    mmseg's :class:`ResNet` with ``conv_cfg=dict(type='ConvWS')``) reduces
    the image to stride ``2 ** (num_stages + 1)`` (16 for 3 stages); a
    ViT-style transformer then runs over that map, one token per pixel
    (patch size 1). The stem's and all but the last stage's outputs are
    returned as skips for :class:`CascadedUpsamplerHead`.

    .. code-block:: none

        x ─ conv7x7/2 ─ GN ─ ReLU ─► f0 (stride 2, stem_channels)
             └ maxpool ─ layer1 ─► f1 (stride 4, 4 * base_channels)
                          └ layer2 ─► f2 (stride 8, 8 * base_channels)
                                       └ layer3 (stride 16)
                                          └ 1x1 proj + pos ─ 12 x ViT ─ LN
                                             ─► f3 (stride 16, embed_dims)

    The positional embedding is learnt for the ``img_size`` grid and
    interpolated for other input sizes, and when a checkpoint made for
    another grid is loaded.

    Args:
        img_size (int | tuple[int, int]): Input size the positional
            embedding is created for. Defaults to 224.
        in_channels (int): Input channels. Defaults to 3.
        depth (int): ResNet depth, as in mmseg's :class:`ResNet`; 50 gives
            (3, 4, 6) bottlenecks in 3 stages. Defaults to 50.
        stem_channels (int): Width of the ResNet stem. Defaults to 64.
        base_channels (int): Base width of the ResNet stages. Defaults to 64.
        num_stages (int): ResNet stages before the transformer (1-4).
            Defaults to 3.
        deep_stem (bool): Three 3x3 stem convs (ResNetV1c) instead of one
            7x7. Defaults to False.
        conv_cfg (dict): ResNet conv config. Defaults to weight-standardised
            convs, ``dict(type='ConvWS')``.
        norm_cfg (dict): ResNet norm config. Defaults to GroupNorm with 32
            groups.
        embed_dims (int): Transformer width. Defaults to 768.
        num_layers (int): Transformer layers. Defaults to 12.
        num_heads (int): Attention heads. Defaults to 12.
        mlp_ratio (float): FFN width over ``embed_dims``. Defaults to 4.
        qkv_bias (bool): Bias in the q, k, v projections. Defaults to True.
        drop_rate (float): Dropout after the positional embedding and in the
            attention and FFN outputs. Defaults to 0.1 (ViT-B/16's).
        attn_drop_rate (float): Dropout of the attention weights.
            Defaults to 0.
        drop_path_rate (float): Stochastic depth, rising linearly to this
            rate over the layers. Defaults to 0.
        act_cfg (dict): Transformer FFN activation. Defaults to GELU.
        transformer_norm_cfg (dict): Transformer norm config. Defaults to
            LayerNorm with eps 1e-6.
        interpolate_mode (str): Mode of the positional embedding resizing.
            Defaults to 'bicubic'.
        init_cfg (dict | list[dict], optional): Initialisation config;
            ``dict(type='Pretrained', checkpoint='local.pth')`` loads weights
            after the default init. Defaults to None (train from scratch).
    """

    def __init__(self,
                 img_size: Union[int, Tuple[int, int]] = 224,
                 in_channels: int = 3,
                 depth: int = 50,
                 stem_channels: int = 64,
                 base_channels: int = 64,
                 num_stages: int = 3,
                 deep_stem: bool = False,
                 conv_cfg: dict = dict(type='ConvWS'),
                 norm_cfg: dict = dict(
                     type='GN', num_groups=32, requires_grad=True),
                 embed_dims: int = 768,
                 num_layers: int = 12,
                 num_heads: int = 12,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.1,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 act_cfg: dict = dict(type='GELU'),
                 transformer_norm_cfg: dict = dict(type='LN', eps=1e-6),
                 interpolate_mode: str = 'bicubic',
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 1 <= num_stages <= 4:
            raise ValueError(f'num_stages must be in 1..4, got {num_stages}')
        self.embed_dims = embed_dims
        self.interpolate_mode = interpolate_mode
        self.stride = 2**(num_stages + 1)
        self.img_size = to_2tuple(img_size)
        self.grid_size = (self.img_size[0] // self.stride,
                          self.img_size[1] // self.stride)

        self.resnet = ResNet(
            depth=depth,
            in_channels=in_channels,
            stem_channels=stem_channels,
            base_channels=base_channels,
            num_stages=num_stages,
            strides=(1, 2, 2, 2)[:num_stages],
            dilations=(1, ) * num_stages,
            out_indices=tuple(range(num_stages)),
            deep_stem=deep_stem,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg)
        self.patch_embed = PatchEmbed(
            in_channels=self.resnet.feat_dim,
            embed_dims=embed_dims,
            kernel_size=1,
            padding=0)
        self.pos_embed = nn.Parameter(
            torch.zeros(1, self.grid_size[0] * self.grid_size[1],
                        embed_dims))
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        dpr = torch.linspace(0, drop_path_rate, num_layers).tolist()
        self.layers = ModuleList(
            TransformerEncoderLayer(
                embed_dims=embed_dims,
                num_heads=num_heads,
                feedforward_channels=int(mlp_ratio * embed_dims),
                drop_rate=drop_rate,
                attn_drop_rate=attn_drop_rate,
                drop_path_rate=dpr[i],
                qkv_bias=qkv_bias,
                act_cfg=act_cfg,
                norm_cfg=transformer_norm_cfg,
                attn_cfg=dict(),
                ffn_cfg=dict()) for i in range(num_layers))
        self.norm = build_norm_layer(transformer_norm_cfg, embed_dims)[1]

    @property
    def out_channels(self) -> List[int]:
        """Widths of the returned features, finest first."""
        resnet = self.resnet
        skips = [resnet.stem_channels] + [
            resnet.base_channels * 2**i * resnet.block.expansion
            for i in range(resnet.num_stages - 1)
        ]
        return skips + [self.embed_dims]

    def init_weights(self) -> None:
        """ViT init for the transformer, then as ``init_cfg`` says.

        The ResNet keeps mmseg's own init (Kaiming convs, zero-initialised
        last norm of each residual block); a ``Pretrained`` ``init_cfg`` is
        applied last and overwrites both.
        """
        if not self._is_init:
            trunc_normal_(self.pos_embed, std=.02)
            for name, m in self.layers.named_modules():
                if isinstance(m, nn.Linear):
                    trunc_normal_init(m, std=.02, bias=0.)
                    if 'ffn' in name:
                        nn.init.normal_(m.bias, mean=0., std=1e-6)
        super().init_weights()

    def _forward_resnet(self, x: Tensor) -> List[Tensor]:
        """The stem's output (stride 2), then every stage's."""
        resnet = self.resnet
        if resnet.deep_stem:
            x = resnet.stem(x)
        else:
            x = resnet.relu(resnet.norm1(resnet.conv1(x)))
        feats = [x]
        x = resnet.maxpool(x)
        for name in resnet.res_layers:
            x = getattr(resnet, name)(x)
            feats.append(x)
        return feats

    def _resize_pos_embed(self, pos_embed: Tensor, src_shape: Sequence[int],
                          dst_shape: Sequence[int]) -> Tensor:
        """Interpolate a (1, H*W, C) embedding from one grid to another."""
        if tuple(src_shape) == tuple(dst_shape):
            return pos_embed
        grid = pos_embed.reshape(1, src_shape[0], src_shape[1],
                                 -1).permute(0, 3, 1, 2)
        grid = F.interpolate(
            grid, size=tuple(dst_shape), mode=self.interpolate_mode,
            align_corners=False)
        return grid.flatten(2).transpose(1, 2)

    def forward(self, x: Tensor) -> List[Tensor]:
        """Skips at strides 2, 4, ..., then the transformer's output map.

        Args:
            x (Tensor): Images, B x in_channels x H x W.

        Returns:
            list[Tensor]: ``num_stages`` skips, finest first, then the
            transformer output, B x embed_dims x H/16 x W/16 (3 stages).
        """
        feats = self._forward_resnet(x)
        tokens, hw_shape = self.patch_embed(feats.pop())
        pos_embed = self._resize_pos_embed(self.pos_embed, self.grid_size,
                                           hw_shape)
        tokens = self.drop_after_pos(tokens + pos_embed)
        for layer in self.layers:
            tokens = layer(tokens)
        tokens = self.norm(tokens)
        feats.append(
            tokens.transpose(1, 2).reshape(x.shape[0], self.embed_dims,
                                           *hw_shape))
        return feats

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Interpolate a checkpoint's positional embedding to this grid.

        A square source grid is assumed; a leading class token (ViT
        checkpoints) is dropped.
        """
        key = prefix + 'pos_embed'
        pos_embed = state_dict.get(key)
        if pos_embed is not None and pos_embed.shape != self.pos_embed.shape:
            num_tokens = pos_embed.shape[1]
            if math.isqrt(num_tokens)**2 != num_tokens:
                pos_embed, num_tokens = pos_embed[:, 1:], num_tokens - 1
            side = math.isqrt(num_tokens)
            if side**2 == num_tokens:
                state_dict[key] = self._resize_pos_embed(
                    pos_embed, (side, side), self.grid_size)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
