"""Angular feature consistency between student and teacher (method §6)."""
from typing import Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor


def _in_layout_of(z: Tensor, t: Tensor) -> Tensor:
    """``t`` (its dtype kept) in the memory layout of ``z``.

    The student's projected features are channels-last under
    ``ChannelsLastHook`` while the teacher's cached ones are NCHW, and a
    norm over the channels of an NCHW tensor is a strided reduction: 10.0
    against 1.6 ms (conversion included) for the four Kvasir ``cpu_fast``
    teacher features, with bit-equal values (docs/results.md, "Seventh
    pass").
    """
    if t.stride() == z.stride():
        return t
    return torch.empty_like(z, dtype=t.dtype).copy_(t)


def angular_feature_consistency(student: Sequence[Tensor],
                                teacher: Sequence[Tensor],
                                eps: float = 1e-6) -> Tensor:
    """``mean_k E_pixels[1 - <Z_k, X'_k> / (|Z_k| |X'_k| + eps)]`` (Eq. 9).

    Args:
        student (Sequence[Tensor]): Projected student features ``Z_k``,
            each B x C_k x H_k x W_k.
        teacher (Sequence[Tensor]): Teacher fused features ``X'_k`` of the
            same shapes (treated as constants).
        eps (float): Keeps zero vectors finite.

    Returns:
        Tensor: Scalar loss in [0, 2].
    """
    if len(student) != len(teacher) or not student:
        raise ValueError(f'need matching non-empty feature lists, got '
                         f'{len(student)} student and {len(teacher)} teacher')
    terms = []
    for z, t in zip(student, teacher):
        if z.shape != t.shape:
            raise ValueError(f'student feature {tuple(z.shape)} does not '
                             f'match teacher feature {tuple(t.shape)}')
        t = _in_layout_of(z, t.detach())
        cosine = (z * t).sum(1) / (z.norm(dim=1) * t.norm(dim=1) + eps)
        terms.append((1 - cosine).mean())
    return torch.stack(terms).mean()


@MODELS.register_module()
class AngularFeatureConsistencyLoss(nn.Module):
    """Module form of :func:`angular_feature_consistency`.

    Args:
        loss_weight (float): ``lambda_AFC * beta``. Defaults to 0.1.
        loss_name (str): Name in the log. Defaults to 'loss_afc'.
    """

    def __init__(self, loss_weight: float = 0.1,
                 loss_name: str = 'loss_afc') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, student: Sequence[Tensor],
                teacher: Sequence[Tensor]) -> Tensor:
        return self.loss_weight * angular_feature_consistency(student, teacher)

    @property
    def loss_name(self) -> str:
        return self._loss_name
