"""Logit maps brought to another spatial size."""
from typing import Sequence

import torch.nn.functional as F
from torch import Tensor


def resize_logits(logits: Tensor,
                  size: Sequence[int],
                  align_corners: bool = False) -> Tensor:
    """Bilinear resize of ``B x C x H x W`` logits (a no-op at ``size``)."""
    if logits.shape[-2:] == tuple(size):
        return logits
    return F.interpolate(logits, size, mode='bilinear',
                         align_corners=align_corners)
