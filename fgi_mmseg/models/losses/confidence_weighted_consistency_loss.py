"""Confidence-aware weighted consistency (method §6, Eqs. 10-12)."""
from typing import Optional

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor


def _masked_mean(values: Tensor, mask: Tensor) -> Tensor:
    """Mean of ``values`` over ``mask``; an empty region gives 0, not NaN."""
    count = mask.sum()
    return (values * mask).sum() / count.clamp(min=1)


def confidence_weighted_consistency(student_logits: Tensor,
                                    teacher_logits: Tensor,
                                    tau_pos: float = 0.8,
                                    tau_neg: float = 0.2,
                                    valid: Optional[Tensor] = None,
                                    eps: float = 1e-8,
                                    region: str = 'joint') -> Tensor:
    """Consistency on pixels where teacher and student are both confident.

    With ``p_T, p_S`` the softmax probabilities (B x C x H x W) and
    ``y_T = argmax p_T``:

    - ``Omega_pos = {max p_T >= tau_pos and max p_S >= tau_pos}`` (Eq. 10),
      term ``max(p_T) * -log p_S(y_T)``;
    - ``Omega_neg = {min p_T <= tau_neg and min p_S <= tau_neg}`` (Eq. 11),
      term ``min(p_T) * -log(1 - p_S(argmin p_T))``, i.e. the student is
      pushed away from the class the teacher rules out;
    - ``L_CWC`` is the sum of the two region means (Eq. 12).

    With two classes ``argmin p_T = 1 - y_T`` and ``min p = 1 - max p``, so
    the regions coincide and ``L_CWC`` is the plain mean cross-entropy of
    the student against ``y_T`` over that region.

    ``region='teacher'`` drops the student's half of both conditions: the
    regions are where the teacher alone is confident, as in the authors'
    released ``crc_loss`` (pseudo-labelling also where the student is
    still unsure, which is where it has something to learn).

    Args:
        student_logits (Tensor): B x C x H x W.
        teacher_logits (Tensor): B x C x H x W (treated as constants).
        tau_pos (float): Confidence threshold on the top class.
        tau_neg (float): Threshold on the least likely class.
        valid (Tensor, optional): B x H x W bool, pixels allowed at all.
        eps (float): Keeps the logarithms finite.
        region (str): ``'joint'`` (Eqs. 10-11: both confident) or
            ``'teacher'`` (the teacher confident).

    Returns:
        Tensor: Scalar loss.
    """
    p_s = student_logits.softmax(dim=1)
    p_t = teacher_logits.detach().softmax(dim=1)
    max_t, y_t = p_t.max(dim=1)
    min_t, y_min = p_t.min(dim=1)
    pos = max_t >= tau_pos
    neg = min_t <= tau_neg
    if region == 'joint':
        pos = pos & (p_s.max(dim=1).values >= tau_pos)
        neg = neg & (p_s.min(dim=1).values <= tau_neg)
    elif region != 'teacher':
        raise ValueError(f"region must be 'joint' or 'teacher', got "
                         f'{region!r}')
    if valid is not None:
        pos, neg = pos & valid, neg & valid
    # log-softmax keeps -log p_S(y_T) exact for confident students.
    log_p_s = student_logits.log_softmax(dim=1)
    nll_pos = -log_p_s.gather(1, y_t[:, None])[:, 0]
    p_s_ruled_out = p_s.gather(1, y_min[:, None])[:, 0]
    nll_neg = -torch.log((1 - p_s_ruled_out).clamp(min=eps))
    return _masked_mean(max_t * nll_pos, pos) + \
        _masked_mean(min_t * nll_neg, neg)


@MODELS.register_module()
class ConfidenceWeightedConsistencyLoss(nn.Module):
    """Module form of :func:`confidence_weighted_consistency`.

    Args:
        tau_pos (float): Defaults to 0.8.
        tau_neg (float): Defaults to 0.2.
        loss_weight (float): ``lambda_CWC``. Defaults to 1.0.
        loss_name (str): Name in the log. Defaults to 'loss_cwc'.
        region (str): Confident region, ``'joint'`` (the paper) or
            ``'teacher'`` (the released code). Defaults to 'joint'.
    """

    def __init__(self, tau_pos: float = 0.8, tau_neg: float = 0.2,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_cwc',
                 region: str = 'joint') -> None:
        super().__init__()
        if region not in ('joint', 'teacher'):
            raise ValueError(f"region must be 'joint' or 'teacher', got "
                             f'{region!r}')
        self.region = region
        self.tau_pos = tau_pos
        self.tau_neg = tau_neg
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, student_logits: Tensor, teacher_logits: Tensor,
                valid: Optional[Tensor] = None) -> Tensor:
        return self.loss_weight * confidence_weighted_consistency(
            student_logits, teacher_logits, self.tau_pos, self.tau_neg, valid,
            region=self.region)

    @property
    def loss_name(self) -> str:
        return self._loss_name
