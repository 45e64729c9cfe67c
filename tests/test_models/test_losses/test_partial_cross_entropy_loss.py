import math

import torch

from fgi_mmseg.models.losses import PartialCrossEntropyLoss


def _logits(*pixels):
    """1 x 2 x 1 x N logits from per-pixel (class 0, class 1) pairs."""
    return torch.tensor(pixels, dtype=torch.float).T[None, :, None, :]


def test_mean_over_labelled_pixels_only():
    logits = _logits((0.0, 0.0), (math.log(3), 0.0), (5.0, -5.0))
    label = torch.tensor([[[1, 0, 255]]])
    loss = PartialCrossEntropyLoss()(logits, label, ignore_index=255)
    # -log(1/2) and -log(3/4), averaged over the 2 labelled pixels.
    expected = (math.log(2) + math.log(4 / 3)) / 2
    assert torch.isclose(loss, torch.tensor(expected), atol=1e-6)


def test_all_ignored_gives_zero_not_nan():
    logits = _logits((1.0, 2.0), (0.5, 0.1))
    label = torch.tensor([[[255, 255]]])
    loss = PartialCrossEntropyLoss()(logits, label, ignore_index=255)
    assert loss.item() == 0.0


def test_name_and_weight():
    loss = PartialCrossEntropyLoss(loss_weight=2.0)
    assert loss.loss_name == 'loss_pce'
    logits = _logits((0.0, 0.0))
    value = loss(logits, torch.tensor([[[0]]]), ignore_index=255)
    assert torch.isclose(value, torch.tensor(2 * math.log(2)))
