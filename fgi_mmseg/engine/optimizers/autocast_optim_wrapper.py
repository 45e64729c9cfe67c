"""Mixed-precision training on any device, the CPU included."""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

DTYPES = ('bfloat16', 'float32')


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

        optim_wrapper = dict(type='AutocastOptimWrapper', dtype='bfloat16',
                             optimizer=dict(type='AdamW', lr=1e-3))

    Args:
        dtype (str): ``'bfloat16'``, or ``'float32'`` for plain fp32 steps
            (the same config without autocast, for A/B comparisons).
            float16 needs loss scaling: use ``AmpOptimWrapper`` on a GPU.
        **kwargs: The arguments of :class:`OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        if dtype not in DTYPES:
            raise ValueError(
                f'optim_wrapper.dtype: expected one of {DTYPES}, got '
                f'{dtype!r} (float16 needs loss scaling: use '
                'AmpOptimWrapper on a GPU)')
        super().__init__(**kwargs)
        self.dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context of the parent, plus autocast."""
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(
                device_type=device, dtype=self.dtype,
                enabled=self.dtype != torch.float32):
            yield
