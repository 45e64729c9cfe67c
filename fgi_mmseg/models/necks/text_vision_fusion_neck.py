"""Cross-attention fusion of text tokens into image features (method §5)."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


def few_key_attention(attn: nn.MultiheadAttention,
                      query: Tensor,
                      key: Tensor,
                      value: Tensor,
                      key_padding_mask: Optional[Tensor] = None) -> Tensor:
    """``attn(query, key, value)`` for few keys, heads as one matmul each.

    The same function as ``nn.MultiheadAttention`` (batch first, separate
    ``kdim``/``vdim``; Eq. 3) for many queries (image tokens) over few keys
    (~25 text tokens). Instead of splitting the queries into heads, the
    keys and values are laid out block-diagonally (``E x H*S`` and
    ``H*S x E``), so each product is one batched matmul over ``E``
    channels, and the softmax runs in fp32 over ``H`` groups of ``S``.
    PyTorch's kernels split the queries into heads of 8-24 channels; on
    CPU the forward + backward of the 56 x 56 level took 22-27 ms against
    14-20 ms here (bf16 and fp32). Padded keys get no weight; a sample
    with no key at all attends to nothing (zeros), as in PyTorch.

    Args:
        attn (nn.MultiheadAttention): Provides the projections; no
            ``bias_k``/``bias_v``/``add_zero_attn``.
        query (Tensor): ``B x L x E``.
        key (Tensor): ``B x S x kdim``.
        value (Tensor): ``B x S x vdim``.
        key_padding_mask (Tensor, optional): ``B x S``, True = padding.

    Returns:
        Tensor: ``B x L x E``.
    """
    if attn.bias_k is not None or attn.add_zero_attn or \
            attn._qkv_same_embed_dim or not attn.batch_first:
        raise ValueError('few_key_attention needs batch_first attention '
                         'with kdim/vdim and no bias_k or zero attention')
    b, length, _ = query.shape
    num_keys, heads = key.shape[1], attn.num_heads
    head_dim = attn.embed_dim // heads
    bias_q, bias_k, bias_v = attn.in_proj_bias.chunk(3)
    q = F.linear(query, attn.q_proj_weight, bias_q) * head_dim**-0.5
    k = F.linear(key, attn.k_proj_weight, bias_k).view(
        b, num_keys, heads, head_dim)
    v = F.linear(value, attn.v_proj_weight, bias_v)
    # Padded keys: a score bias of the dtype's minimum (finite, so that a
    # sample without keys gets uniform weights, over zeroed values: 0).
    score_bias = q.new_zeros(b, 1, heads, num_keys)
    if key_padding_mask is not None:
        v = v * (~key_padding_mask).unsqueeze(-1).to(v.dtype)
        score_bias = score_bias.masked_fill(
            key_padding_mask.view(b, 1, 1, num_keys),
            torch.finfo(score_bias.dtype).min)
    v = v.view(b, num_keys, heads, head_dim)
    eye = torch.eye(heads, dtype=k.dtype, device=k.device)
    k_blocks = (k.permute(0, 2, 3, 1).unsqueeze(3) *
                eye.view(1, heads, 1, heads, 1)).reshape(
                    b, heads * head_dim, heads * num_keys)
    v_blocks = (v.permute(0, 2, 1, 3).unsqueeze(3) *
                eye.view(1, heads, 1, heads, 1)).reshape(
                    b, heads * num_keys, heads * head_dim)
    scores = torch.baddbmm(score_bias.view(b, 1, heads * num_keys), q,
                           k_blocks)
    weights = torch.softmax(
        scores.view(b, length, heads, num_keys), dim=-1,
        dtype=torch.float32).view(b, length, heads * num_keys)
    weights = F.dropout(weights, attn.dropout, attn.training)
    out = torch.bmm(weights.to(v_blocks.dtype), v_blocks)
    return F.linear(out, attn.out_proj.weight, attn.out_proj.bias)


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
        if x.device.type == 'cpu':  # where few_key_attention was timed
            attended = few_key_attention(self.attn, tokens + pos, text,
                                         text, key_padding_mask)
        else:
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
