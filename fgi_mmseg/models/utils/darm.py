"""Disagreement-aware random masking (DARM, method §6), vectorised."""
from typing import Optional, Sequence

import torch
from torch import Tensor

# The paper's patches (method §6): sides at a 224 px input, covering 30 %
# of the disagreeing area. The segmentors' DARM defaults start from these.
DARM_PATCHES = dict(
    ratio=0.3, patch_sizes=(3, 5, 7, 9, 11), reference_size=224)


def darm_mask(disagreement: Tensor,
              ratio: float = DARM_PATCHES['ratio'],
              patch_sizes: Sequence[int] = DARM_PATCHES['patch_sizes'],
              reference_size: int = DARM_PATCHES['reference_size'],
              generator: Optional[torch.Generator] = None,
              max_rounds: int = 8) -> Tensor:
    """Square patches centred in disagreeing pixels, covering ``ratio`` of
    the disagreeing area of each image.

    Patch sides are drawn from ``patch_sizes`` (given for a
    ``reference_size`` input and scaled with the actual resolution).
    Instead of a Python loop per patch, each round draws all centres of
    the batch at once (uniformly among the disagreeing pixels, by inverting
    their cumulative count), stamps all squares with one scatter of their
    pixels, and checks coverage; images that reached ``ratio`` keep no more
    centres.

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
    half_sizes = torch.tensor([s // 2 for s in sizes], device=device)
    # Sampling centres uniformly among disagreeing pixels = inverting the
    # cumulative count; computed once, unlike torch.multinomial's.
    cdf = disagreement.reshape(b, -1).cumsum(1, dtype=torch.float32)
    area = cdf[:, -1]
    target = ratio * area
    mask = torch.zeros(b, h, w, dtype=torch.bool, device=device)
    # Disagreeing pixels one patch covers: 3/4 of a square at first (a
    # typical share for compact regions), then the average measured so far
    # (scattered disagreement and overlaps make it smaller), so one or two
    # rounds suffice without overshooting.
    gain_per_patch = torch.full((b, ), 0.75 * sum(s * s for s in sizes) /
                                len(sizes), device=device)
    covered = torch.zeros(b, device=device)
    drawn = torch.zeros(b, device=device)
    for _ in range(max_rounds):
        missing = (target - covered).clamp(min=0)
        need = torch.ceil(missing / gain_per_patch).long()
        # "About" the ratio: within 10 % of the target is close enough, and
        # saves rounds that would add a patch or two.
        need[covered >= 0.9 * target] = 0
        k = int(need.max())
        if k == 0:
            break
        # Every image draws k centres and keeps its first need[i]: images
        # already done keep none, and the batch stays whole (no gathers).
        draws = torch.rand(b, k, device=device,
                           generator=generator) * area[:, None]
        centres = torch.searchsorted(cdf, draws, right=True).clamp(
            max=h * w - 1)
        keep = torch.arange(k, device=device)[None] < need[:, None]
        half = half_sizes[torch.randint(len(sizes), centres.shape,
                                        device=device, generator=generator)]
        _stamp_squares(mask, centres, half, keep)
        covered = (mask & disagreement).reshape(b, -1).count_nonzero(
            1).float()
        drawn += keep.sum(1)
        gain_per_patch = torch.where(
            drawn > 0, (covered / drawn.clamp(min=1)).clamp(min=0.5),
            gain_per_patch)
    return mask


def _stamp_squares(mask: Tensor, centres: Tensor, half: Tensor,
                   keep: Tensor) -> None:
    """Set the pixels of the squares ``centre +- half`` in ``mask``.

    All squares of all sizes are expanded at once into their pixel indices
    (``B x K x S x S`` for the largest side ``S``, with the offsets outside
    a square's own side or the image masked out) and written with one
    scatter, which touches only the stamped pixels, not the whole image.

    Args:
        mask (Tensor): B x H x W bool map, updated in place.
        centres (Tensor): B x K flat pixel indices of the centres.
        half (Tensor): B x K half sides.
        keep (Tensor): B x K bool, the squares to stamp.
    """
    b, h, w = mask.shape
    r = int(half.max())
    offsets = torch.arange(-r, r + 1, device=mask.device)
    dy, dx = offsets.view(1, 1, -1, 1), offsets.view(1, 1, 1, -1)
    y = (centres // w)[..., None, None] + dy
    x = (centres % w)[..., None, None] + dx
    side = half[..., None, None]
    inside = (keep[..., None, None] & (dy.abs() <= side) &
              (dx.abs() <= side) & (y >= 0) & (y < h) & (x >= 0) & (x < w))
    batch = torch.arange(b, device=mask.device).view(-1, 1, 1, 1)
    mask.view(-1)[((batch * h + y) * w + x)[inside]] = True


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


def apply_darm_to_samples(inputs: Tensor, samples: Sequence, drop: Tensor,
                          drop_label: int = 255) -> tuple:
    """:func:`apply_darm` on the ``gt_sem_seg`` of ``samples``.

    Args:
        inputs (Tensor): B x C x H x W (normalised) images.
        samples (Sequence[SegDataSample]): Their samples; each
            ``gt_sem_seg`` is relabelled in place.
        drop (Tensor): B x H x W bool mask from :func:`darm_mask`.
        drop_label (int): As for :func:`apply_darm`.

    Returns:
        tuple[Tensor, Sequence[SegDataSample]]: Masked inputs and the
        samples.
    """
    labels = torch.stack([s.gt_sem_seg.data for s in samples])
    inputs, labels = apply_darm(inputs, labels, drop, drop_label)
    for sample, label in zip(samples, labels):
        sample.gt_sem_seg.data = label
    return inputs, samples
