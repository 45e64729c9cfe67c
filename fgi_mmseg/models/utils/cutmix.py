"""CutMix of a batch with itself, applied alike to inputs and targets."""
from typing import Sequence, Tuple

import torch
from torch import Tensor


def cutmix_boxes(shape: Sequence[int], beta: float = 4.0,
                 device=None) -> Tuple[Tensor, Tensor]:
    """A random partner per sample and a box per sample to paste from it.

    One area ratio ``lam ~ Beta(beta, beta)`` per batch gives boxes of
    ``sqrt(1 - lam)`` of each side, centred uniformly (clipped at the
    border), as in CutMix (Yun et al., 2019) and the FGI authors' released
    cross supervision. Draws come from torch's global generator, which
    mmengine seeds from ``randomness.seed``.

    Args:
        shape: ``(B, C, H, W)`` of the batch.
        beta: Parameter of the symmetric Beta distribution of ``lam``.
        device: Device of the returned tensors.

    Returns:
        ``(partner, box)``: ``B`` partner indices (a permutation) and a
        ``B x H x W`` bool map of the pixels taken from the partner.
    """
    b, _, h, w = shape
    lam = torch.distributions.Beta(beta, beta).sample().item()
    cut = (1 - lam)**0.5
    cut_h, cut_w = int(h * cut), int(w * cut)
    partner = torch.randperm(b).to(device)
    cy = torch.randint(h, (b, 1, 1)).to(device)
    cx = torch.randint(w, (b, 1, 1)).to(device)
    ys = torch.arange(h, device=device).view(1, h, 1)
    xs = torch.arange(w, device=device).view(1, 1, w)
    box = ((ys >= cy - cut_h // 2) & (ys < cy + cut_h - cut_h // 2) &
           (xs >= cx - cut_w // 2) & (xs < cx + cut_w - cut_w // 2))
    return partner, box


def cutmix(tensors: Sequence[Tensor], partner: Tensor,
           box: Tensor) -> Tuple[Tensor, ...]:
    """Paste each sample's box from its partner, in every tensor alike.

    Args:
        tensors: ``B x C x H x W`` tensors of the same spatial size as
            ``box`` (e.g. noisy images and the target logits).
        partner: From :func:`cutmix_boxes`.
        box: From :func:`cutmix_boxes`.

    Returns:
        The mixed tensors, in the given order.
    """
    return tuple(torch.where(box[:, None], t[partner], t) for t in tensors)
