"""Cross-attention fusion of text tokens into image features (method §5)."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


class TextVisionFusion(nn.Module):
    """Fuse text into one scale: ``X' = LN(X + lambda * MHAtt(Q, K, V))``.

    With ``Q = phi(X) + P`` (Eq. 1), ``K = psi_k(F_t)``, ``V = psi_v(F_t)``
    (Eq. 2), multi-head attention (Eq. 3) and the residual sum with a
    learnable ``lambda`` and LayerNorm (Eq. 7). In ``concat`` mode the
    residual sum becomes ``LN(W [X ; MHAtt])``, the paper's concatenation
    ablation.

    ``phi``, ``psi_k`` and ``psi_v`` are linear maps followed by the
    attention's own per-head linear projections, so each pair composes
    into one linear map: ``W_q (phi X + P) = W'_q (X + P')``. The module
    therefore feeds ``X + P`` and ``F_t`` straight into
    ``nn.MultiheadAttention`` (``kdim = vdim = C_t``), which is the same
    family of functions with three fewer matrix products per scale.

    Args:
        channels (int): Image feature width ``C_v``.
        text_channels (int): Text token width ``C_t``.
        num_heads (int): Attention heads.
        pos_embed_size (tuple[int, int]): Grid of the learnable positional
            embedding, interpolated to each input's feature size.
        mode (str): ``attention`` (sum) or ``concat``.
        lambda_init (float): Initial value of ``lambda``.
    """

    def __init__(self,
                 channels: int,
                 text_channels: int,
                 num_heads: int = 8,
                 pos_embed_size: Sequence[int] = (14, 14),
                 mode: str = 'attention',
                 lambda_init: float = 1.0) -> None:
        super().__init__()
        if mode not in ('attention', 'concat'):
            raise ValueError(f'mode must be attention or concat, got {mode}')
        self.mode = mode
        self.pos_embed = nn.Parameter(
            torch.zeros(1, channels, *pos_embed_size))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.attn = nn.MultiheadAttention(
            channels, num_heads, kdim=text_channels, vdim=text_channels,
            batch_first=True)
        if mode == 'attention':
            self.scale = nn.Parameter(torch.tensor(float(lambda_init)))
        else:
            self.merge = nn.Linear(2 * channels, channels)
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Tensor, text: Tensor,
                text_mask: Optional[Tensor] = None) -> Tensor:
        """Fuse ``text`` (B x L x C_t) into ``x`` (B x C_v x H x W).

        ``text_mask`` (B x L, True = real token) keeps padded tokens out of
        the attention.
        """
        b, c, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)  # B x HW x C_v
        pos = F.interpolate(self.pos_embed, size=(h, w), mode='bilinear',
                            align_corners=False).flatten(2).transpose(1, 2)
        key_padding_mask = None if text_mask is None else ~text_mask
        attended, _ = self.attn(
            tokens + pos, text, text,
            key_padding_mask=key_padding_mask, need_weights=False)
        if self.mode == 'attention':
            fused = tokens + self.scale * attended
        else:
            fused = self.merge(torch.cat([tokens, attended], dim=-1))
        return self.norm(fused).transpose(1, 2).reshape(b, c, h, w)


@MODELS.register_module()
class TextVisionFusionNeck(BaseModule):
    """Text-guided fusion at selected scales of a multi-scale backbone.

    Features at ``fusion_indices`` go through :class:`TextVisionFusion`;
    the others pass unchanged, so any backbone with multi-scale outputs
    (``UNetEncoder``, mmseg's ResNet, mmpretrain's Swin...) works.

    Args:
        in_channels (Sequence[int]): Width of every backbone output.
        text_channels (int): Text token width (768 for RoBERTa, 384 for
            all-MiniLM-L6-v2).
        fusion_indices (Sequence[int]): Outputs to fuse; the paper fuses
            the 4 deepest UNet scales (``(1, 2, 3, 4)``), the ablation
            fewer.
        num_heads (int): Attention heads per scale (capped so that each
            head has at least 8 channels).
        mode (str): ``attention`` or ``concat``.
        pos_embed_size (tuple[int, int]): Positional embedding grid.
        lambda_init (float): Initial ``lambda``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 text_channels: int,
                 fusion_indices: Sequence[int] = (1, 2, 3, 4),
                 num_heads: int = 8,
                 mode: str = 'attention',
                 pos_embed_size: Sequence[int] = (14, 14),
                 lambda_init: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = list(in_channels)
        self.text_channels = text_channels
        self.fusion_indices = sorted(fusion_indices)
        bad = [i for i in self.fusion_indices
               if not 0 <= i < len(self.in_channels)]
        if bad:
            raise ValueError(f'fusion_indices {bad} out of range for '
                             f'{len(self.in_channels)} backbone outputs')
        self.fusions = nn.ModuleDict({
            str(i): TextVisionFusion(
                self.in_channels[i], text_channels,
                num_heads=max(1, min(num_heads, self.in_channels[i] // 8)),
                pos_embed_size=pos_embed_size, mode=mode,
                lambda_init=lambda_init)
            for i in self.fusion_indices
        })

    def forward(self, inputs: List[Tensor], text: Tensor,
                text_mask: Optional[Tensor] = None) -> List[Tensor]:
        """Return the backbone outputs with the selected scales fused."""
        outs = list(inputs)
        for i in self.fusion_indices:
            outs[i] = self.fusions[str(i)](outs[i], text, text_mask)
        return outs
