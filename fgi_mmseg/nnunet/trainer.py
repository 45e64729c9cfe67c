"""nnU-Net's own trainer, on the benchmark's budget."""
import os

import torch
from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer

from fgi_mmseg.utils.machine import has_native_bf16

# nnU-Net's unit of training length.
ITERATIONS_PER_EPOCH = 250


class nnUNetTrainerFGI(nnUNetTrainer):  # noqa: N801 (nnU-Net's naming)
    """:class:`nnUNetTrainer` with the length of our protocol and its CPU
    speed-ups; everything else (SGD with Nesterov momentum 0.99 at 1e-2 and
    its poly schedule, Dice + CE with deep supervision, the augmentation,
    foreground oversampling) is nnU-Net's.

    Differences, each because of the budget or the machine:

    * ``num_epochs`` is set by the runner (:func:`epochs_for`) so that the
      number of iterations matches the other methods';
    * 10 validation iterations per epoch instead of 50: they only feed
      nnU-Net's pseudo Dice, which selects no checkpoint we use;
    * a checkpoint every epoch (written atomically), so that an interrupted
      run resumes at the last finished epoch;
    * on a CPU with native bf16 kernels, the forward pass runs under bf16
      autocast, as the ``cpu_fast`` protocol does for every method
      (nnU-Net autocasts on CUDA only); without them (AVX2 only) emulated
      bf16 is several times slower than fp32, so the step stays fp32.
      Channels-last memory, the protocol's other half, is left out: with
      nnU-Net's instance norm it made the step slower
      (``tools/analysis/speed_nnunet_step.py``). On a GPU nnU-Net's own
      fp16 autocast and grad scaler stay.

    The constructor is nnU-Net's: it records its arguments in every
    checkpoint, so the settings above are attributes.
    """

    def __init__(self, plans: dict, configuration: str, fold: int,
                 dataset_json: dict,
                 device: torch.device = torch.device('cuda')):
        super().__init__(plans, configuration, fold, dataset_json, device)
        self.num_val_iterations_per_epoch = 10
        self.save_every = 1

    @property
    def _cpu_fast(self) -> bool:
        return self.device.type == 'cpu' and has_native_bf16('cpu')

    def train_step(self, batch: dict) -> dict:
        if not self._cpu_fast:
            return super().train_step(batch)
        # The backward pass runs inside the context too; it has no effect
        # there (gradients take the dtype of the forward ops).
        with torch.autocast('cpu', dtype=torch.bfloat16):
            return super().train_step(batch)

    def save_checkpoint(self, filename: str) -> None:
        # nnU-Net writes in place; a kill during the write would leave a
        # truncated checkpoint_latest.pth to resume from.
        partial = filename + '.partial'
        super().save_checkpoint(partial)
        if os.path.isfile(partial):
            os.replace(partial, filename)


def epochs_for(iterations: int) -> int:
    """nnU-Net epochs for at least ``iterations`` training iterations."""
    return max(1, -(-iterations // ITERATIONS_PER_EPOCH))
