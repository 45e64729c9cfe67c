"""Mixed-precision training on any device, the CPU included."""
from contextlib import contextmanager
from typing import Dict

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

from fgi_mmseg.utils.machine import has_native_bf16

AUTO = 'auto'
DTYPES = (AUTO, 'bfloat16', 'float32')


def autocast_dtype(dtype: str, device_type: str) -> torch.dtype:
    """The dtype a forward pass autocasts to on ``device_type``.

    Args:
        dtype: One of :data:`DTYPES`. ``'auto'`` is bfloat16 where the
            device runs bf16 in native kernels (:func:`has_native_bf16`),
            else float32: emulated bf16 is several times slower than fp32.
        device_type: ``'cpu'`` or ``'cuda'``.
    """
    if dtype == AUTO:
        return torch.bfloat16 if has_native_bf16(device_type) \
            else torch.float32
    return getattr(torch, dtype)


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """An :class:`OptimWrapper` whose forward pass runs under autocast.

    mmengine's ``AmpOptimWrapper`` refuses to be built without a GPU, yet
    CPUs with AVX-512 BF16 (or AMX) run a bf16 convolution step in about
    half the time of an fp32 one. This wrapper autocasts the forward pass
    (and so the loss) on whatever device the model is on, CPU or CUDA.
    bfloat16 has fp32's exponent range, so no loss scaling is needed;
    weights, gradients and optimiser states stay fp32. Evaluation is not
    affected: mmengine's val and test loops do not enter this context.

    .. code-block:: python

        optim_wrapper = dict(type='AutocastOptimWrapper', dtype='auto',
                             optimizer=dict(type='AdamW', lr=1e-3))

    Args:
        dtype (str): ``'auto'`` (bf16 where the device has native bf16
            kernels, else fp32; the choice is logged once per device),
            ``'bfloat16'`` (always, for A/B comparisons), or
            ``'float32'`` for plain fp32 steps. float16 needs loss
            scaling: use ``AmpOptimWrapper`` on a GPU.
        **kwargs: The arguments of :class:`OptimWrapper`.
    """

    def __init__(self, dtype: str = AUTO, **kwargs) -> None:
        if dtype not in DTYPES:
            raise ValueError(
                f'optim_wrapper.dtype: expected one of {DTYPES}, got '
                f'{dtype!r} (float16 needs loss scaling: use '
                'AmpOptimWrapper on a GPU)')
        super().__init__(**kwargs)
        self.dtype = dtype
        self._resolved: Dict[str, torch.dtype] = {}

    def dtype_on(self, device_type: str) -> torch.dtype:
        """The autocast dtype on ``device_type`` (resolved once)."""
        if device_type not in self._resolved:
            resolved = autocast_dtype(self.dtype, device_type)
            self._resolved[device_type] = resolved
            if self.dtype == AUTO:
                MMLogger.get_current_instance().info(
                    f'AutocastOptimWrapper: dtype auto -> {resolved} on '
                    f'{device_type}' + ('' if resolved == torch.bfloat16
                                        else ' (no native bf16 kernels)'))
        return self._resolved[device_type]

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of the parent, plus autocast."""
        device = next(model.parameters()).device.type
        dtype = self.dtype_on(device)
        with super().optim_context(model), torch.autocast(
                device_type=device, dtype=dtype,
                enabled=dtype != torch.float32):
            yield
