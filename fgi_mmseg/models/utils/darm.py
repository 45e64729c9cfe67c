"""Disagreement-aware random masking (DARM, SPEC.md §6), vectorised."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def darm_mask(disagreement: Tensor,
              ratio: float = 0.3,
              patch_sizes: Sequence[int] = (3, 5, 7, 9, 11),
              reference_size: int = 224,
              generator: Optional[torch.Generator] = None,
              max_rounds: int = 8) -> Tensor:
    """Square patches centred in disagreeing pixels, covering ``ratio`` of
    the disagreeing area of each image.

    Patch sides are drawn from ``patch_sizes`` (given for a
    ``reference_size`` input and scaled with the actual resolution).
    Instead of a Python loop per patch, each round draws all centres of
    the batch at once (``torch.multinomial`` over the disagreement map),
    stamps squares of every size with one ``max_pool2d`` per size, and
    checks coverage; images that reached ``ratio`` draw no more centres.

    Args:
        disagreement (Tensor): B x H x W bool map of disagreeing pixels.
        ratio (float): Target fraction of the disagreeing area to cover.
        patch_sizes (Sequence[int]): Odd patch sides at
            ``reference_size``.
        reference_size (int): Input size the sides refer to.
        generator (torch.Generator, optional): Source of randomness, on
            the same device as ``disagreement``.
        max_rounds (int): Upper bound on sampling rounds.

    Returns:
        Tensor: B x H x W bool mask of the pixels to drop.
    """
    b, h, w = disagreement.shape
    device = disagreement.device
    scale = min(h, w) / reference_size
    sizes = sorted({max(1, int(round(s * scale)) // 2 * 2 + 1)
                    for s in patch_sizes})
    flat = disagreement.reshape(b, -1).float()
    area = flat.sum(1)
    target = ratio * area
    mask = torch.zeros(b, 1, h, w, dtype=torch.bool, device=device)
    # Disagreeing pixels one patch covers: a full square at first, then
    # the average measured so far (scattered disagreement and overlaps
    # make it smaller), so few rounds suffice without overshooting.
    gain_per_patch = torch.full((b, ), sum(s * s for s in sizes) /
                                len(sizes), device=device)
    covered = torch.zeros(b, device=device)
    drawn = torch.zeros(b, device=device)
    for _ in range(max_rounds):
        missing = (target - covered).clamp(min=0)
        need = torch.ceil(missing / gain_per_patch).long()
        need[area == 0] = 0
        k = int(need.max())
        if k == 0:
            break
        weights = flat + (area == 0).float()[:, None]  # rows must be valid
        centres = torch.multinomial(weights, k, replacement=True,
                                    generator=generator)
        keep = torch.arange(k, device=device)[None] < need[:, None]
        which = torch.randint(len(sizes), (b, k), device=device,
                              generator=generator)
        for i, size in enumerate(sizes):
            stamp = torch.zeros(b, h * w, device=device)
            stamp.scatter_(1, centres, (keep & (which == i)).float())
            stamp = F.max_pool2d(stamp.view(b, 1, h, w), size, stride=1,
                                 padding=size // 2)
            mask |= stamp > 0
        covered = (mask[:, 0] & disagreement).reshape(b, -1).sum(1).float()
        drawn += keep.sum(1)
        gain_per_patch = torch.where(
            drawn > 0, (covered / drawn.clamp(min=1)).clamp(min=0.5),
            gain_per_patch)
    return mask[:, 0]


def apply_darm(inputs: Tensor, labels: Tensor, drop: Tensor,
               drop_label: int = 255) -> tuple:
    """Zero the dropped pixels of the input and relabel them.

    Args:
        inputs (Tensor): B x C x H x W (normalised) images.
        labels (Tensor): B x 1 x H x W or B x H x W labels.
        drop (Tensor): B x H x W bool mask from :func:`darm_mask`.
        drop_label (int): 255 (ignore) or 0 (background, as in the
            authors' released code).

    Returns:
        tuple[Tensor, Tensor]: Masked inputs and labels.
    """
    inputs = inputs.masked_fill(drop[:, None], 0)
    labels = labels.masked_fill(drop.view(labels.shape), drop_label)
    return inputs, labels
