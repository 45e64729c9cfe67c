"""Memory-format helpers: same values, gradients in the input's format."""
import torch

from fgi_mmseg.models.utils import (concat_channels, is_channels_last,
                                    to_memory_format)

CL = torch.channels_last


def _leaves(*shapes, channels_last=True):
    torch.manual_seed(0)
    fmt = CL if channels_last else torch.contiguous_format
    return [torch.randn(*s).contiguous(memory_format=fmt).requires_grad_()
            for s in shapes]


def test_is_channels_last():
    x = torch.randn(2, 3, 4, 4)
    assert not is_channels_last(x)
    assert is_channels_last(x.contiguous(memory_format=CL))
    assert not is_channels_last(torch.randn(2, 3, 1, 1))  # both formats
    assert not is_channels_last(torch.randn(3, 4))


def test_concat_channels_gives_each_input_a_contiguous_gradient():
    a, b = _leaves((2, 3, 5, 5), (2, 4, 5, 5))
    out = concat_channels([a, b])
    ref = torch.cat([a, b], dim=1)
    assert torch.equal(out, ref) and is_channels_last(out)
    grad = torch.randn_like(out).contiguous(memory_format=CL)
    out.backward(grad)
    ref_a, ref_b = torch.autograd.grad(ref, [a, b], grad)
    # torch.cat hands out strided channel slices; ours are contiguous.
    assert not ref_b.is_contiguous(memory_format=CL)
    for got, want in ((a.grad, ref_a), (b.grad, ref_b)):
        assert torch.equal(got, want) and is_channels_last(got)


def test_concat_channels_of_nchw_inputs_is_plain_cat():
    a, b = _leaves((2, 3, 5, 5), (2, 4, 5, 5), channels_last=False)
    out = concat_channels([a, b])
    assert type(out.grad_fn).__name__ == 'CatBackward0'


def test_to_memory_format_returns_the_gradient_in_the_source_format():
    x, = _leaves((2, 8, 6, 6))
    y = to_memory_format(x, channels_last=False)
    assert y.is_contiguous() and torch.equal(y, x)
    y.backward(torch.ones_like(y))  # an NCHW gradient...
    assert is_channels_last(x.grad)  # ...comes back channels-last
    z, = _leaves((2, 8, 6, 6), channels_last=False)
    w = to_memory_format(z, channels_last=True)
    assert is_channels_last(w)
    w.backward(torch.ones_like(w))
    assert z.grad.is_contiguous()
