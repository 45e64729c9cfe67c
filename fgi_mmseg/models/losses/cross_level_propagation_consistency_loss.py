"""Cross-level propagation consistency of GazeMedSeg (method §7).

GazeMedSeg (Zhong et al., MICCAI 2024) trains one network per gaze
threshold level. Each level's decoder feature is propagated over a dilated
neighbourhood, weighted by the softmax of feature affinities, classified
again by that level's classifier, and pulled towards the other levels'
(detached) predictions.
"""
from typing import Callable, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor


def _neighbours(x: Tensor, kernel_size: int, dilation: int) -> List[Tensor]:
    """The ``kernel_size ** 2`` neighbour maps of ``x`` (each B x C x H x W).

    Map ``n`` holds, at every pixel, the neighbour at the ``n``-th offset of
    the dilated grid (row-major, so ``N // 2`` is the centre); outside the
    image it is 0 ('same' zero padding). The maps are views of one padded
    copy, so nothing of size N x C x H x W is ever materialised (an
    unfold would be, and its backward is a slow col2im).
    """
    pad = dilation * (kernel_size // 2)
    return _padded_views(F.pad(x, (pad, pad, pad, pad)), kernel_size,
                         dilation)


def _padded_views(padded: Tensor, kernel_size: int,
                  dilation: int) -> List[Tensor]:
    """The neighbour views of a tensor already padded by
    ``dilation * (kernel_size // 2)`` on each side (see
    :func:`_neighbours`)."""
    pad = dilation * (kernel_size // 2)
    h, w = padded.shape[-2] - 2 * pad, padded.shape[-1] - 2 * pad
    return [
        padded[..., i * dilation:i * dilation + h,
               j * dilation:j * dilation + w]
        for i in range(kernel_size) for j in range(kernel_size)
    ]


class _Propagate(torch.autograd.Function):
    """:func:`propagate_features` with a hand-written backward.

    Autograd through the neighbour views would allocate a zero-padded
    gradient per view and per use (2 N of them); here the gradients of all
    neighbours are added into one padded buffer in place, and only the
    B x N x H x W weights are kept for the backward.
    """

    @staticmethod
    def forward(ctx, feats: Tensor, values: Tensor, kernel_size: int,
                dilation: int, clamp_negative: bool,
                exclude_padding: bool) -> Tensor:
        neighbours = _neighbours(feats, kernel_size, dilation)
        # One full-size product per offset: B x N x H x W affinities.
        affinity = torch.stack(
            [(feats * n).sum(dim=1) for n in neighbours], dim=1)
        passed = affinity >= 0 if clamp_negative else None
        if clamp_negative:
            affinity = affinity.clamp(min=0)
        if exclude_padding:
            inside = torch.stack(
                _neighbours(feats.new_ones(1, 1, *feats.shape[-2:]),
                            kernel_size, dilation),
                dim=1)[:, :, 0] > 0
            affinity = affinity.masked_fill(~inside, float('-inf'))
        weights = affinity.softmax(dim=1)
        same = values is feats
        if not same:
            neighbours = _neighbours(values, kernel_size, dilation)
        out = weights[:, :1] * neighbours[0]
        for n in range(1, len(neighbours)):
            out.addcmul_(weights[:, n:n + 1], neighbours[n])
        ctx.save_for_backward(feats, values, weights, passed)
        ctx.geometry = (kernel_size, dilation, same)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> tuple:
        feats, values, weights, passed = ctx.saved_tensors
        kernel_size, dilation, same = ctx.geometry
        h, w = feats.shape[-2:]
        pad = dilation * (kernel_size // 2)
        # out = sum_n w_n v_n: gradients to the weights and to each v_n.
        grad_values = values.new_zeros(
            *values.shape[:-2], h + 2 * pad, w + 2 * pad)
        grad_weights = torch.empty_like(weights)
        for n, (v, g) in enumerate(
                zip(_neighbours(values, kernel_size, dilation),
                    _padded_views(grad_values, kernel_size, dilation))):
            grad_weights[:, n] = (grad_out * v).sum(dim=1)
            g.addcmul_(weights[:, n:n + 1], grad_out)
        # Softmax over n (padding has weight 0, so its gradient is 0 too).
        grad_affinity = weights * (
            grad_weights - (weights * grad_weights).sum(dim=1, keepdim=True))
        if passed is not None:
            grad_affinity = grad_affinity * passed
        # a_n = <f, f_n>: gradients to the centre and to each neighbour.
        grad_feats = feats.new_zeros(
            *feats.shape[:-2], h + 2 * pad, w + 2 * pad)
        centre = torch.zeros_like(feats)
        for n, (f, g) in enumerate(
                zip(_neighbours(feats, kernel_size, dilation),
                    _padded_views(grad_feats, kernel_size, dilation))):
            a = grad_affinity[:, n:n + 1]
            centre.addcmul_(a, f)
            g.addcmul_(a, feats)
        grad_feats = grad_feats[..., pad:pad + h, pad:pad + w] + centre
        grad_values = grad_values[..., pad:pad + h, pad:pad + w]
        if same:
            return grad_feats + grad_values, None, None, None, None, None
        return grad_feats, grad_values, None, None, None, None


def propagate_features(feats: Tensor,
                       kernel_size: int = 5,
                       dilation: int = 2,
                       values: Optional[Tensor] = None,
                       clamp_negative: bool = True,
                       exclude_padding: bool = True) -> Tensor:
    """Affinity-weighted average of each pixel's dilated neighbourhood.

    For a pixel ``x`` with neighbours ``n`` (its ``kernel_size`` x
    ``kernel_size`` grid with the given dilation, ``x`` itself included)::

        a(x, n) = <f(x), f(n)>               # dot product over channels
        w(x, .) = softmax_n(max(a(x, n), 0))
        out(x)  = sum_n w(x, n) * v(n)       # v = values, default f

    Args:
        feats (Tensor): B x C x H x W features ``f`` giving the affinities.
        kernel_size (int): Odd side of the neighbourhood. Defaults to 5.
        dilation (int): Spacing of the neighbours. Defaults to 2.
        values (Tensor, optional): B x C' x H x W maps ``v`` to average;
            defaults to ``feats`` (GazeMedSeg propagates the features).
        clamp_negative (bool): Clamp affinities at 0 before the softmax,
            as the authors' code does. A no-op for post-ReLU features.
        exclude_padding (bool): Leave out neighbours outside the image.
            The authors' code zero-pads instead, so that border pixels
            also average zero vectors; False reproduces that.

    Returns:
        Tensor: B x C' x H x W propagated maps.
    """
    if kernel_size % 2 != 1:
        raise ValueError(f'kernel_size must be odd, got {kernel_size}')
    if values is None:
        values = feats
    if values.shape[0] != feats.shape[0] or \
            values.shape[-2:] != feats.shape[-2:]:
        raise ValueError(f'values {tuple(values.shape)} and features '
                         f'{tuple(feats.shape)} differ in batch or size')
    # The affinities are channel sums fed to a softmax: fp32 whatever the
    # autocast dtype upstream, and NCHW, since the in-place strided
    # products over channels-last views ran 3x slower than the fp32 step.
    same = values is feats
    dtype = torch.promote_types(feats.dtype, torch.float32)
    feats = feats.to(dtype).contiguous()
    values = feats if same else values.to(dtype).contiguous()
    with torch.autocast(feats.device.type, enabled=False):
        return _Propagate.apply(feats, values, kernel_size, dilation,
                                clamp_negative, exclude_padding)


def class_probabilities(logits: Tensor) -> Tensor:
    """Per-class probabilities: softmax, or ``[1 - p, p]`` for 1 channel.

    A single channel is a sigmoid (BCE) logit, as in the authors' code.
    """
    if logits.shape[1] == 1:
        prob = logits.sigmoid()
        return torch.cat([1 - prob, prob], dim=1)
    return logits.softmax(dim=1)


def cross_level_propagation_consistency(
        logits: Sequence[Tensor], prop_logits: Sequence[Tensor]) -> Tensor:
    """Per-level agreement of propagated with the other levels' predictions.

    With ``p_k`` the class probabilities of level ``k`` and ``q_k`` those of
    its propagated logits (see :func:`class_probabilities`)::

        L_k = mean_{j != k} mean_pixels (1 - <q_k, sg(p_j)>)

    ``<., .>`` is the inner product over classes and ``sg`` stops the
    gradient. ``L_k`` lies in [0, 1]; it is 0 exactly when ``q_k`` and
    every ``p_j`` are the same one-hot vector. It is the authors'
    ``-<q_k, p_j>`` plus 1, so the gradients are theirs.

    Args:
        logits (Sequence[Tensor]): K >= 2 maps, each B x C x H x W.
        prop_logits (Sequence[Tensor]): The K propagated maps, same shapes.

    Returns:
        Tensor: The K per-level losses ``L_k``.
    """
    if len(logits) < 2 or len(logits) != len(prop_logits):
        raise ValueError(f'need K >= 2 levels of logits and as many '
                         f'propagated logits, got {len(logits)} and '
                         f'{len(prop_logits)}')
    shapes = {tuple(x.shape) for x in list(logits) + list(prop_logits)}
    if len(shapes) != 1:
        raise ValueError(f'all logits must have one shape, got {shapes}')
    targets = [class_probabilities(x.detach()) for x in logits]
    losses = []
    for k, prop in enumerate(prop_logits):
        q = class_probabilities(prop)
        others = [p for j, p in enumerate(targets) if j != k]
        agreement = sum((q * p).sum(dim=1).mean() for p in others)
        losses.append(1 - agreement / len(others))
    return torch.stack(losses)


@MODELS.register_module()
class CrossLevelPropagationConsistencyLoss(nn.Module):
    """GazeMedSeg's cross-level consistency, propagation included.

    For every level ``k``: propagate its decoder feature
    (:func:`propagate_features`), classify it with the level's own
    classifier, and compare with the other levels' detached predictions
    (:func:`cross_level_propagation_consistency`). The result is
    ``loss_weight * sum_k L_k``, the authors' sum over levels.

    Args:
        kernel_size (int): Neighbourhood side. Defaults to 5.
        dilation (int): Neighbour spacing. Defaults to 2.
        clamp_negative (bool): See :func:`propagate_features`.
            Defaults to True.
        exclude_padding (bool): See :func:`propagate_features`.
            Defaults to True.
        loss_weight (float): Defaults to 3.0, GazeMedSeg's weight.
        loss_name (str): Name in the log. Defaults to 'loss_consistency'.
    """

    def __init__(self,
                 kernel_size: int = 5,
                 dilation: int = 2,
                 clamp_negative: bool = True,
                 exclude_padding: bool = True,
                 loss_weight: float = 3.0,
                 loss_name: str = 'loss_consistency') -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.clamp_negative = clamp_negative
        self.exclude_padding = exclude_padding
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, feats: Sequence[Tensor], logits: Sequence[Tensor],
                classifiers: Sequence[Callable[[Tensor], Tensor]]) -> Tensor:
        """Weighted sum of the per-level consistency losses.

        Args:
            feats (Sequence[Tensor]): Each level's B x C x H x W feature
                before its classifier.
            logits (Sequence[Tensor]): Each level's logits of that
                feature, B x C_out x H x W.
            classifiers (Sequence[Callable]): Each level's classifier
                (feature -> logits), applied to the propagated feature.

        Returns:
            Tensor: Scalar loss.
        """
        if not len(feats) == len(logits) == len(classifiers):
            raise ValueError('need one feature, logit map and classifier '
                             'per level')
        prop_logits = [
            classify(
                propagate_features(
                    feat,
                    self.kernel_size,
                    self.dilation,
                    clamp_negative=self.clamp_negative,
                    exclude_padding=self.exclude_padding))
            for feat, classify in zip(feats, classifiers)
        ]
        return self.loss_weight * cross_level_propagation_consistency(
            logits, prop_logits).sum()

    @property
    def loss_name(self) -> str:
        return self._loss_name
