import math

import torch

from fgi_mmseg.models.losses import (ConfidenceWeightedConsistencyLoss,
                                     confidence_weighted_consistency)


def _logits(*probs):
    """1 x C x 1 x N logits whose softmax gives the per-pixel ``probs``."""
    return torch.tensor(probs, dtype=torch.float).log().T[None, :, None, :]


def test_two_class_hand_computed():
    teacher = _logits((0.9, 0.1), (0.6, 0.4))
    student = _logits((0.85, 0.15), (0.9, 0.1))
    # Only pixel 0 is confident for both; pos: 0.9 * -log 0.85,
    # neg: 0.1 * -log(1 - 0.15).
    loss = confidence_weighted_consistency(student, teacher)
    assert torch.isclose(loss, torch.tensor(-math.log(0.85)), atol=1e-6)


def test_two_class_identity_with_cross_entropy():
    torch.manual_seed(0)
    teacher = torch.randn(2, 2, 8, 8) * 3
    student = torch.randn(2, 2, 8, 8) * 3
    p_t, p_s = teacher.softmax(1), student.softmax(1)
    region = (p_t.max(1).values >= 0.8) & (p_s.max(1).values >= 0.8)
    assert region.any()
    ce = torch.nn.functional.cross_entropy(student, teacher.argmax(1),
                                           reduction='none')
    expected = ce[region].mean()
    loss = confidence_weighted_consistency(student, teacher)
    assert torch.isclose(loss, expected, atol=1e-5)


def test_three_class_general_form():
    teacher = _logits((0.85, 0.1, 0.05))
    student = _logits((0.8, 0.05, 0.15))
    # pos: 0.85 * -log 0.8; neg: argmin p_T = class 2, 0.05 * -log(1-0.15).
    expected = 0.85 * -math.log(0.8) + 0.05 * -math.log(0.85)
    loss = confidence_weighted_consistency(student, teacher)
    assert torch.isclose(loss, torch.tensor(expected), atol=1e-5)


def test_empty_regions_give_zero_and_finite_gradients():
    teacher = _logits((0.5, 0.5), (0.6, 0.4))
    student = _logits((0.55, 0.45), (0.3, 0.7)).requires_grad_()
    loss = confidence_weighted_consistency(student, teacher)
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(student.grad).all()


def test_thresholds_weight_and_no_teacher_gradient():
    teacher = _logits((0.75, 0.25)).requires_grad_()
    student = _logits((0.75, 0.25)).requires_grad_()
    strict = ConfidenceWeightedConsistencyLoss()(student, teacher)
    assert strict.item() == 0.0
    loose = ConfidenceWeightedConsistencyLoss(
        tau_pos=0.7, tau_neg=0.3, loss_weight=2.0)(student, teacher)
    assert torch.isclose(loose, torch.tensor(2 * -math.log(0.75)), atol=1e-5)
    loose.backward()
    assert teacher.grad is None and student.grad is not None
