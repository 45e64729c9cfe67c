"""Keep a model's convolution weights in channels-last memory format."""
import torch
import torch.nn as nn
from mmcv.cnn import ConvWS2d
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.model import is_model_wrapper
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from fgi_mmseg.models.utils import is_channels_last, to_memory_format

# fp32 lanes of an AVX-512 register. PyTorch's channels-last batch-norm
# kernels on CPU vectorise over channels; a width that is not a multiple
# of this runs partly scalar (8 channels at 112 x 112, bf16: 3.9 ms forward
# + backward, against 1.8 ms for the NCHW kernel with both conversions).
CPU_CHANNEL_VECTOR = 16


def _nchw_input(module: nn.Module, args: tuple):
    x = args[0]
    module._fgi_to_nchw = x.device.type == 'cpu' and is_channels_last(x)
    if module._fgi_to_nchw:
        return (to_memory_format(x, False), ) + tuple(args[1:])


def _channels_last_output(module: nn.Module, args: tuple, output: Tensor):
    if module._fgi_to_nchw:
        return to_memory_format(output, True)


def _needs_nchw(module: nn.Module) -> bool:
    return isinstance(module, _BatchNorm) and \
        module.num_features % CPU_CHANNEL_VECTOR != 0 and \
        _nchw_input not in module._forward_pre_hooks.values()


def convert_to_channels_last(model: nn.Module) -> nn.Module:
    """Put the weight of every convolution of ``model`` in channels-last.

    Only convolution weights are converted: other 4-d parameters (position
    embeddings, say) may be ``view``-ed by their module. mmcv's
    weight-standardised ``ConvWS2d`` (TransUNet's R50) views its weight as
    ``(C_out, -1)`` and is left as it is; its standardised copy is
    contiguous, and the channels-last input still selects the fast kernel.

    Batch norms whose width is not a multiple of ``CPU_CHANNEL_VECTOR``
    run NCHW on CPU: forward hooks convert a channels-last input there and
    the output back (gradients likewise). Parameters, state dict and
    results are unchanged; GPU inputs pass untouched. Converting twice is
    a no-op.
    """
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)) and \
                not isinstance(module, ConvWS2d):
            module.weight.data = module.weight.data.contiguous(
                memory_format=torch.channels_last)
        elif _needs_nchw(module):
            module._fgi_to_nchw = False
            module.register_forward_pre_hook(_nchw_input)
            module.register_forward_hook(_channels_last_output)
    return model


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's convolutions to channels-last before it runs.

    oneDNN (CPU) and cuDNN (GPU) convolutions pick the channels-last
    kernels when the input *or* the weight is channels-last, and their
    outputs stay channels-last, so converting the weights once is enough:
    the NCHW batch is converted by the first convolution. With bf16
    autocast (``AutocastOptimWrapper``) and the rest of ``cpu_fast`` the
    benchmark UNet's step measured 0.39-0.46x its fp32 step on this
    project's 2-core CPU (``tools/analysis/speed_train_step.py``).

    The conversion runs after weights are initialised or loaded (mmengine
    calls ``before_run`` before that), and again before each loop, since a
    resumed or freshly loaded state dict keeps the parameters' format.
    """

    priority = 'VERY_HIGH'

    def _convert(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        convert_to_channels_last(model)

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
