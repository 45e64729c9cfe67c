"""Memory-format changes whose gradients keep the same format.

On CPU, PyTorch's channels-last kernels (bilinear upsampling, batch norm,
element-wise sums) fall to slow generic code when the gradient that reaches
them is strided differently from their input: a channel slice of a
channels-last tensor, which is what ``torch.cat``'s backward hands out, or
a gradient left channels-last by ``Tensor.contiguous``. The functions here
make the backward pass deliver each gradient contiguous, in the format of
the tensor it belongs to. Values are unchanged; NCHW tensors take the plain
PyTorch path.
"""
from typing import Sequence

import torch
from torch import Tensor


def is_channels_last(x: Tensor) -> bool:
    """True for a 4-d tensor laid out channels-last and not also NCHW."""
    return x.dim() == 4 and not x.is_contiguous() and \
        x.is_contiguous(memory_format=torch.channels_last)


def _memory_format(channels_last: bool) -> torch.memory_format:
    return torch.channels_last if channels_last else torch.contiguous_format


class _ToMemoryFormat(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: Tensor, channels_last: bool) -> Tensor:
        ctx.source = _memory_format(not channels_last)
        return x.contiguous(memory_format=_memory_format(channels_last))

    @staticmethod
    def backward(ctx, grad: Tensor):
        return grad.contiguous(memory_format=ctx.source), None


def to_memory_format(x: Tensor, channels_last: bool) -> Tensor:
    """``x`` channels-last (or NCHW); its gradient back in ``x``'s format.

    ``Tensor.contiguous`` passes the gradient through as it comes, so the
    layer before it would see a gradient in the other format.
    """
    return _ToMemoryFormat.apply(x, channels_last)


class _ConcatChannels(torch.autograd.Function):

    @staticmethod
    def forward(ctx, *xs: Tensor) -> Tensor:
        ctx.widths = [x.shape[1] for x in xs]
        ctx.formats = [_memory_format(is_channels_last(x)) for x in xs]
        return torch.cat(xs, dim=1)

    @staticmethod
    def backward(ctx, grad: Tensor):
        return tuple(
            g.contiguous(memory_format=f)
            for g, f in zip(grad.split(ctx.widths, dim=1), ctx.formats))


def concat_channels(xs: Sequence[Tensor]) -> Tensor:
    """``torch.cat(xs, dim=1)`` whose backward gives contiguous gradients.

    A channel slice of a channels-last gradient is strided; the upsampling
    and the skip connection that receive it ran 3x slower on CPU (bf16,
    16 channels at 112 x 112: 7.4 ms against 2.4 ms forward + backward,
    copy included).
    """
    if not any(is_channels_last(x) for x in xs):
        return torch.cat(list(xs), dim=1)
    return _ConcatChannels.apply(*xs)
