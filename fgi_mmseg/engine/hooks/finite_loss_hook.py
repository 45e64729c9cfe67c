"""Stop training at the first non-finite loss, naming the batch."""
import math

from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from fgi_mmseg.utils.errors import UserFacingError


class NonFiniteLossError(UserFacingError, RuntimeError):
    """A training loss became NaN or infinite."""


def _as_number(value) -> float:
    """A logged loss as a float: its mean when it is a tensor of several
    values. A one-element tensor is read with ``item()`` (one call; the
    ops of a mean cost 10x as much on every iteration)."""
    if not hasattr(value, 'detach'):
        return float(value)
    if value.numel() == 1:
        return float(value.item())
    return float(value.detach().float().mean())


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` when a logged loss is not finite.

    Without it a NaN (a NaN text embedding, a diverging learning rate)
    trains to the end, saves NaN weights and exits 0. The check runs after
    every iteration, before the checkpoint hook (priority ``ABOVE_NORMAL``
    against its ``VERY_LOW``), so no checkpoint holds the poisoned step.
    The message names the iteration, the losses and the batch's sample ids.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        bad = {}
        for name, value in (outputs or {}).items():
            if 'loss' not in name:
                continue
            number = _as_number(value)
            if not math.isfinite(number):
                bad[name] = number
        if not bad:
            return
        samples = (data_batch or {}).get('data_samples') or []
        ids = [s.metainfo.get('sample_id', '?') for s in samples]
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1}: '
            + ', '.join(f'{k}={v}' for k, v in bad.items())
            + f'; batch sample ids: {", ".join(map(str, ids)) or "unknown"}')
