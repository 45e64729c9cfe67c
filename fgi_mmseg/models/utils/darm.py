"""Disagreement-aware random masking (DARM, SPEC.md §6), vectorised."""
from typing import Optional, Sequence

import torch
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
    stamps all squares with one scatter and two cumulative sums, and
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
    half_sizes = torch.tensor([s // 2 for s in sizes], device=device)
    flat = disagreement.reshape(b, -1).float()
    area = flat.sum(1)
    target = ratio * area
    mask = torch.zeros(b, h, w, dtype=torch.bool, device=device)
    # Disagreeing pixels one patch covers: 3/4 of a square at first (a
    # typical share for compact regions), then the average measured so far
    # (scattered disagreement and overlaps make it smaller), so one or two
    # rounds suffice without overshooting.
    gain_per_patch = torch.full((b, ), 0.75 * sum(s * s for s in sizes) /
                                len(sizes), device=device)
    # Sampling centres uniformly among disagreeing pixels = inverting the
    # cumulative count; computed once, unlike torch.multinomial's.
    cdf = flat.cumsum(1)
    covered = torch.zeros(b, device=device)
    drawn = torch.zeros(b, device=device)
    for _ in range(max_rounds):
        missing = (target - covered).clamp(min=0)
        need = torch.ceil(missing / gain_per_patch).long()
        # "About" the ratio: within 10 % of the target is close enough, and
        # saves rounds that would add a patch or two.
        need[covered >= 0.9 * target] = 0
        active = need > 0
        if not active.any():
            break
        # Later rounds only touch the few images still short of the ratio.
        need_a = need[active]
        k = int(need_a.max())
        draws = torch.rand(int(active.sum()), k, device=device,
                           generator=generator) * area[active, None]
        centres = torch.searchsorted(cdf[active], draws, right=True).clamp(
            max=h * w - 1)
        keep = torch.arange(k, device=device)[None] < need_a[:, None]
        half = half_sizes[torch.randint(len(sizes), centres.shape,
                                        device=device, generator=generator)]
        mask[active] |= _stamp_squares(centres, half, keep, h, w)
        covered = (mask & disagreement).reshape(b, -1).sum(1).float()
        drawn[active] += keep.sum(1)
        gain_per_patch = torch.where(
            drawn > 0, (covered / drawn.clamp(min=1)).clamp(min=0.5),
            gain_per_patch)
    return mask


def _stamp_squares(centres: Tensor, half: Tensor, keep: Tensor, h: int,
                   w: int) -> Tensor:
    """Union of squares ``centre +- half`` as a B x H x W bool map.

    Each square adds +1/-1 at its four corners of a difference image whose
    2-D cumulative sum counts the squares covering each pixel: one scatter
    and two cumsums for all squares of all sizes at once.
    """
    b, k = centres.shape
    cy, cx = centres // w, centres % w
    y0, y1 = (cy - half).clamp(min=0), (cy + half + 1).clamp(max=h)
    x0, x1 = (cx - half).clamp(min=0), (cx + half + 1).clamp(max=w)
    batch = torch.arange(b, device=centres.device)[:, None].expand(b, k)
    batch, y0, y1, x0, x1 = (t[keep] for t in (batch, y0, y1, x0, x1))
    # float32 cumsums are about twice as fast as int32 ones on CPU and exact
    # for these small counts.
    ones = torch.ones_like(y0, dtype=torch.float32)
    delta = torch.zeros(b, h + 1, w + 1, device=centres.device)
    for ys, xs, sign in ((y0, x0, 1), (y0, x1, -1), (y1, x0, -1),
                         (y1, x1, 1)):
        delta.index_put_((batch, ys, xs), sign * ones, accumulate=True)
    return delta.cumsum(2).cumsum(1)[:, :h, :w] > 0


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
