"""AutocastOptimWrapper: bf16 forward on the CPU, fp32 weights and grads."""
import pytest
import torch
import torch.nn as nn

from fgi_mmseg.engine import AutocastOptimWrapper


def _wrapper(model, dtype):
    return AutocastOptimWrapper(
        dtype=dtype, optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


def test_forward_runs_in_bf16_and_weights_stay_fp32():
    model = nn.Conv2d(3, 4, 3)
    wrapper = _wrapper(model, 'bfloat16')
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 3, 8, 8))
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().square().mean())
    assert model.weight.dtype == torch.float32
    assert model.weight.grad is None or model.weight.grad.dtype == \
        torch.float32
    assert not torch.equal(model.weight, before)


def test_float32_is_a_plain_step():
    torch.manual_seed(0)
    model = nn.Conv2d(3, 4, 3)
    wrapper = _wrapper(model, 'float32')
    x = torch.randn(2, 3, 8, 8)
    with wrapper.optim_context(model):
        out = model(x)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, model(x), rtol=0, atol=0)


def test_bf16_step_is_close_to_fp32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(8, 2, 1))
    x = torch.randn(4, 3, 16, 16)
    ref = model(x)
    with _wrapper(model, 'bfloat16').optim_context(model):
        out = model(x)
    # bf16 keeps 8 bits of mantissa: about 2-3 significant digits.
    torch.testing.assert_close(out.float(), ref, rtol=0.05, atol=0.05)


def test_float16_is_refused_with_the_alternative():
    with pytest.raises(ValueError, match='AmpOptimWrapper'):
        _wrapper(nn.Linear(2, 2), 'float16')


@pytest.mark.parametrize('native, expected',
                         [(True, torch.bfloat16), (False, torch.float32)])
def test_auto_is_bf16_only_with_native_kernels(monkeypatch, native,
                                               expected):
    from fgi_mmseg.engine.optimizers import autocast_optim_wrapper as module
    asked = []
    monkeypatch.setattr(module, 'has_native_bf16',
                        lambda device: asked.append(device) or native)
    model = nn.Conv2d(3, 4, 3)
    wrapper = _wrapper(model, 'auto')
    x = torch.randn(2, 3, 8, 8)
    for _ in range(2):
        with wrapper.optim_context(model):
            out = model(x)
        assert out.dtype == expected
    assert asked == ['cpu']  # resolved once per device
    if not native:
        torch.testing.assert_close(out, model(x), rtol=0, atol=0)


def test_the_fast_protocol_autocasts_by_the_machine():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/_base_/schedules/cpu_fast.py')
    assert cfg.optim_wrapper.dtype == 'auto'
