import pytest
import torch

from fgi_mmseg.models.losses import (AngularFeatureConsistencyLoss,
                                     angular_feature_consistency)


def _feat(*vectors):
    """1 x C x 1 x N feature map from per-pixel channel vectors."""
    return torch.tensor(vectors, dtype=torch.float).T[None, :, None, :]


def test_hand_computed_value():
    student = [_feat((1, 0), (0, 2), (-1, 0)), _feat((3, 4))]
    teacher = [_feat((2, 0), (1, 0), (1, 0)), _feat((6, 8))]
    # Scale 1: 1 - cos = 0, 1, 2 -> mean 1; scale 2: 0. Mean over scales.
    loss = angular_feature_consistency(student, teacher)
    assert torch.isclose(loss, torch.tensor(0.5), atol=1e-5)


def test_no_gradient_reaches_the_teacher():
    student = [torch.randn(1, 3, 2, 2, requires_grad=True)]
    teacher = [torch.randn(1, 3, 2, 2, requires_grad=True)]
    AngularFeatureConsistencyLoss()(student, teacher).backward()
    assert student[0].grad is not None and teacher[0].grad is None


def test_weight_and_shape_check():
    z = [_feat((1, 0))]
    t = [_feat((0, 1))]
    assert torch.isclose(AngularFeatureConsistencyLoss(loss_weight=0.1)(z, t),
                         torch.tensor(0.1))
    with pytest.raises(ValueError, match='does not match'):
        angular_feature_consistency([_feat((1, 0, 0))], t)


def test_a_teacher_in_another_layout_and_dtype_gives_the_same_loss():
    # cpu_fast: the student's features are bf16 channels-last, the cached
    # teacher's NCHW; the teacher keeps its own dtype.
    torch.manual_seed(0)
    z = torch.randn(2, 24, 6, 5).bfloat16().contiguous(
        memory_format=torch.channels_last).requires_grad_()
    t = torch.randn(2, 24, 6, 5)
    expected_cos = (z * t).sum(1) / (z.norm(dim=1) * t.norm(dim=1) + 1e-6)
    loss = angular_feature_consistency([z], [t])
    # The norm of an NCHW teacher sums its channels in another order.
    assert torch.allclose(loss, (1 - expected_cos).mean(), rtol=1e-6)
    assert loss.dtype == torch.float32  # bf16 * fp32 promotes, as before
    loss.backward()
    assert z.grad.is_contiguous(memory_format=torch.channels_last)
