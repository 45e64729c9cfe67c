"""ChannelsLastHook: convolution weights channels-last, outputs unchanged."""
import copy
from types import SimpleNamespace

import torch
import torch.nn as nn
from mmcv.cnn import ConvWS2d

from fgi_mmseg.engine import ChannelsLastHook
from fgi_mmseg.models.utils import is_channels_last


def test_converts_convolutions_but_not_ws_convs_or_other_params():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8),
                          ConvWS2d(8, 8, 3), nn.ConvTranspose2d(8, 4, 2))
    model.register_parameter('pos', nn.Parameter(torch.zeros(1, 8, 2, 2)))
    x = torch.randn(2, 3, 12, 12)
    ref = model(x)
    params = [p for p in model.parameters()]
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    assert is_channels_last(model[0].weight)
    assert is_channels_last(model[3].weight)
    assert model[2].weight.is_contiguous()  # ConvWS2d views its weight
    assert model.pos.is_contiguous()
    # Same parameter objects: an optimiser built before keeps working.
    assert [p for p in model.parameters()] == params
    torch.testing.assert_close(model(x), ref, rtol=1e-5, atol=1e-5)


def _record_input_format(module, args):
    module.input_channels_last = is_channels_last(args[0])


def _record_output_format(module, args, output):
    module.output_channels_last = is_channels_last(output)


def test_narrow_batch_norms_run_nchw_with_the_same_results():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8),
                          nn.ReLU(), nn.Conv2d(8, 16, 3, padding=1),
                          nn.BatchNorm2d(16))
    ref = copy.deepcopy(model)
    x = torch.randn(2, 3, 10, 10)
    runner = SimpleNamespace(model=model)
    ChannelsLastHook().before_train(runner)
    ChannelsLastHook().before_val(runner)  # converting twice: hooks once
    assert len(model[1]._forward_pre_hooks) == 1
    assert not model[4]._forward_pre_hooks  # 16 channels: vectorised
    # Registered after ours: they see what batch norm itself receives and
    # what the next layer gets.
    model[1].register_forward_pre_hook(_record_input_format)
    model[1].register_forward_hook(_record_output_format)
    out = model(x)
    assert model[1].input_channels_last is False  # NCHW inside
    assert model[1].output_channels_last is True  # channels-last after
    # A weighted sum: the plain sum of a batch norm's output has zero
    # gradient with respect to its input.
    weight = torch.randn(out.shape)
    (out * weight).sum().backward()
    ref_out = ref(x)
    (ref_out * weight).sum().backward()
    torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(model[1].running_mean, ref[1].running_mean)
    torch.testing.assert_close(model[0].weight.grad, ref[0].weight.grad,
                               rtol=1e-4, atol=1e-5)
    assert is_channels_last(model[0].weight.grad)
    assert set(model.state_dict()) == set(ref.state_dict())


def test_nchw_inputs_pass_narrow_batch_norms_untouched():
    bn = nn.BatchNorm2d(8)
    ChannelsLastHook().before_train(SimpleNamespace(model=bn))
    x = torch.randn(2, 8, 4, 4)
    out = bn(x)
    assert out.is_contiguous() and out.grad_fn.name().startswith(
        'NativeBatchNorm')
