import math

import pytest
import torch

from fgi_mmseg.models.losses import (CrossLevelPropagationConsistencyLoss,
                                     cross_level_propagation_consistency,
                                     propagate_features)


def _loop_propagation(feats, values, kernel_size=5, dilation=2,
                      clamp_negative=True, exclude_padding=True):
    """Pixel-by-pixel reference of :func:`propagate_features`."""
    b, _, h, w = feats.shape
    out = torch.zeros_like(values)
    r = kernel_size // 2
    offsets = [(dy * dilation, dx * dilation) for dy in range(-r, r + 1)
               for dx in range(-r, r + 1)]
    for n in range(b):
        for y in range(h):
            for x in range(w):
                scores, vals = [], []
                for dy, dx in offsets:
                    yy, xx = y + dy, x + dx
                    inside = 0 <= yy < h and 0 <= xx < w
                    if not inside and exclude_padding:
                        continue
                    f = feats[n, :, yy, xx] if inside else \
                        torch.zeros_like(feats[n, :, 0, 0])
                    v = values[n, :, yy, xx] if inside else \
                        torch.zeros_like(values[n, :, 0, 0])
                    score = (feats[n, :, y, x] * f).sum()
                    scores.append(score.clamp(min=0) if clamp_negative
                                  else score)
                    vals.append(v)
                weights = torch.stack(scores).softmax(0)
                out[n, :, y, x] = (weights[:, None] *
                                   torch.stack(vals)).sum(0)
    return out


def _logits(*probs):
    """1 x C x 1 x N logits whose softmax gives the per-pixel ``probs``."""
    return torch.tensor(probs, dtype=torch.float).log().T[None, :, None, :]


def test_constant_features_average_the_dilated_neighbourhood():
    # Equal affinities everywhere: the weights are uniform over the
    # in-image neighbours, so the values' 5 x 5 dilated mean comes out.
    values = torch.arange(7 * 8, dtype=torch.float).view(1, 1, 7, 8)
    out = propagate_features(torch.ones(1, 3, 7, 8), values=values)
    # Pixel (3, 4): rows -1, 1, 3, 5, 7 and columns 0, 2, 4, 6, 8, of
    # which rows 1, 3, 5 and columns 0, 2, 4, 6 lie in the 7 x 8 image.
    expected = values[0, 0, 1:6:2, 0:7:2].mean()
    assert torch.isclose(out[0, 0, 3, 4], expected)
    # Pixel (0, 0): rows 0, 2, 4 and columns 0, 2, 4.
    assert torch.isclose(out[0, 0, 0, 0], values[0, 0, 0:5:2, 0:5:2].mean())


def test_zero_padding_mode_dilutes_borders_like_the_authors():
    feats = torch.ones(1, 1, 9, 9)
    out = propagate_features(feats, exclude_padding=False)
    # Corner: 9 in-image neighbours with affinity 1, 16 padded with 0.
    e = math.e
    assert torch.isclose(out[0, 0, 0, 0], torch.tensor(9 * e / (9 * e + 16)))
    # The centre sees the whole 5 x 5 grid inside the image.
    assert torch.isclose(out[0, 0, 4, 4], torch.tensor(1.0))


@pytest.mark.parametrize('clamp_negative', [True, False])
@pytest.mark.parametrize('exclude_padding', [True, False])
def test_matches_the_pixel_loop_reference(clamp_negative, exclude_padding):
    torch.manual_seed(0)
    feats = torch.randn(2, 3, 6, 7)
    out = propagate_features(feats, clamp_negative=clamp_negative,
                             exclude_padding=exclude_padding)
    expected = _loop_propagation(feats, feats, clamp_negative=clamp_negative,
                                 exclude_padding=exclude_padding)
    assert torch.allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize('clamp_negative', [True, False])
@pytest.mark.parametrize('exclude_padding', [True, False])
@pytest.mark.parametrize('separate_values', [False, True])
def test_hand_written_backward_passes_gradcheck(clamp_negative,
                                                exclude_padding,
                                                separate_values):
    torch.manual_seed(0)
    feats = torch.randn(1, 2, 6, 5, dtype=torch.float64, requires_grad=True)
    values = torch.randn(1, 2, 6, 5, dtype=torch.float64,
                         requires_grad=True) if separate_values else None
    inputs = (feats, values) if separate_values else (feats, )

    def propagate(*args):
        return propagate_features(
            args[0], values=args[1] if separate_values else None,
            clamp_negative=clamp_negative, exclude_padding=exclude_padding)

    assert torch.autograd.gradcheck(propagate, inputs)


def test_consistency_hand_computed():
    logits = [_logits((0.8, 0.2)), _logits((0.4, 0.6))]
    prop = [_logits((0.5, 0.5)), _logits((0.9, 0.1))]
    losses = cross_level_propagation_consistency(logits, prop)
    # L_0 = 1 - <(.5, .5), (.4, .6)>, L_1 = 1 - <(.9, .1), (.8, .2)>.
    assert torch.allclose(losses, torch.tensor([0.5, 0.26]), atol=1e-6)


def test_identical_confident_predictions_give_the_minimum():
    confident = torch.tensor([[20.0, -20.0], [-20.0, 20.0]])[None, :, None]
    losses = cross_level_propagation_consistency([confident] * 2,
                                                 [confident] * 2)
    assert torch.allclose(losses, torch.zeros(2), atol=1e-6)
    torch.manual_seed(0)
    others = [torch.randn(2, 2, 4, 4) for _ in range(4)]
    assert (cross_level_propagation_consistency(others[:2], others[2:]) >
            losses).all()


def test_single_channel_logits_are_bce_probabilities():
    torch.manual_seed(0)
    d = [torch.randn(2, 1, 4, 4) for _ in range(4)]
    two_class = [torch.cat([torch.zeros_like(x), x], dim=1) for x in d]
    assert torch.allclose(
        cross_level_propagation_consistency(d[:2], d[2:]),
        cross_level_propagation_consistency(two_class[:2], two_class[2:]),
        atol=1e-6)


def test_gradient_does_not_reach_the_detached_targets():
    torch.manual_seed(0)
    logits = [torch.randn(1, 2, 4, 4, requires_grad=True) for _ in range(2)]
    prop = [torch.randn(1, 2, 4, 4, requires_grad=True) for _ in range(2)]
    cross_level_propagation_consistency(logits, prop).sum().backward()
    assert all(x.grad is None for x in logits)
    assert all(x.grad.abs().sum() > 0 for x in prop)


def test_module_propagates_reclassifies_and_weights_the_level_sum():
    torch.manual_seed(0)
    feats = [torch.rand(2, 3, 8, 8) for _ in range(2)]
    classifiers = [torch.nn.Conv2d(3, 2, 1) for _ in range(2)]
    logits = [c(f) for c, f in zip(classifiers, feats)]
    loss = CrossLevelPropagationConsistencyLoss()(feats, logits, classifiers)
    prop = [c(propagate_features(f, 5, 2))
            for c, f in zip(classifiers, feats)]
    expected = 3.0 * cross_level_propagation_consistency(logits, prop).sum()
    assert torch.isclose(loss, expected)


def test_one_level_or_mismatched_shapes_are_rejected():
    x = torch.zeros(1, 2, 4, 4)
    with pytest.raises(ValueError, match='K >= 2'):
        cross_level_propagation_consistency([x], [x])
    with pytest.raises(ValueError, match='one shape'):
        cross_level_propagation_consistency(
            [x, x], [x, torch.zeros(1, 2, 4, 5)])
