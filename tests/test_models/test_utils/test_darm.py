import math

import torch
import torch.nn.functional as F

from fgi_mmseg.models.utils import apply_darm, darm_mask, sigmoid_rampup


def _block(b=4, size=64):
    d = torch.zeros(b, size, size, dtype=torch.bool)
    d[:, 10:40, 20:50] = True
    return d


def _coverage(mask, d):
    return ((mask & d).flatten(1).sum(1).float() /
            d.flatten(1).sum(1).clamp(min=1))


def test_covers_about_the_ratio_of_disagreement():
    d = _block()
    d[1] = torch.rand(64, 64, generator=torch.Generator().manual_seed(1)) \
        < 0.1  # scattered disagreement
    mask = darm_mask(d, ratio=0.3, reference_size=64,
                     generator=torch.Generator().manual_seed(0))
    cov = _coverage(mask, d)
    assert ((cov >= 0.269) & (cov < 0.45)).all(), cov


def test_patches_are_centred_on_disagreement():
    d = _block()
    mask = darm_mask(d, patch_sizes=(3, 5), reference_size=64,
                     generator=torch.Generator().manual_seed(0))
    # Every dropped pixel lies within 2 px (half the largest side) of d.
    near = F.max_pool2d(d[:, None].float(), 5, stride=1, padding=2)[:, 0] > 0
    assert mask.any() and not (mask & ~near).any()


def test_no_disagreement_no_mask_and_seeded():
    d = _block()
    d[2] = False
    a = darm_mask(d, generator=torch.Generator().manual_seed(3))
    b = darm_mask(d, generator=torch.Generator().manual_seed(3))
    c = darm_mask(d, generator=torch.Generator().manual_seed(4))
    assert not a[2].any()
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_patch_sizes_scale_with_resolution():
    d = torch.zeros(1, 448, 448, dtype=torch.bool)
    d[0, 224, 224] = True
    mask = darm_mask(d, ratio=1.0, patch_sizes=(3, ), reference_size=224,
                     generator=torch.Generator().manual_seed(0))
    # A 3 px patch at 224 becomes 7 px at 448 (odd, scaled, rounded).
    assert mask.sum() == 49


def test_apply_darm_zeroes_inputs_and_relabels():
    inputs = torch.ones(1, 3, 2, 2)
    labels = torch.ones(1, 1, 2, 2, dtype=torch.long)
    drop = torch.tensor([[[True, False], [False, False]]])
    out, lab = apply_darm(inputs, labels, drop, drop_label=255)
    assert out[0, :, 0, 0].eq(0).all() and out[0, :, 1, 1].eq(1).all()
    assert lab[0, 0, 0, 0] == 255 and lab[0, 0, 1, 1] == 1
    _, lab0 = apply_darm(inputs, labels, drop, drop_label=0)
    assert lab0[0, 0, 0, 0] == 0


def test_rampup():
    assert math.isclose(sigmoid_rampup(0, 1000, 0.5), math.exp(-5))
    assert sigmoid_rampup(500, 1000, 0.5) == 1.0
    assert sigmoid_rampup(900, 1000, 0.5) == 1.0
    assert math.isclose(sigmoid_rampup(250, 1000, 0.5), math.exp(-1.25))
    assert sigmoid_rampup(0, 1000, 0.0) == 1.0
