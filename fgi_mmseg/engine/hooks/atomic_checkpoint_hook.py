"""A checkpoint hook that removes old checkpoints only after the new one."""
import contextlib
import os.path as osp

from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmseg.registry import HOOKS

from fgi_mmseg.utils.io import atomic_write


@HOOKS.register_module(name='CheckpointHook', force=True)
@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` that cannot lose a checkpoint.

    mmengine removes the oldest kept checkpoint (and the previous best one)
    *before* it writes the new one, and then writes ``last_checkpoint``:
    killed in between, a run is left with a truncated new file, its
    predecessor deleted, and ``last_checkpoint`` naming a file that is gone.
    Here the removals are deferred until the new checkpoint is complete
    (written atomically by :class:`~fgi_mmseg.engine.atomic_backend.
    AtomicLocalBackend`), and ``last_checkpoint`` is replaced atomically.

    Registered in mmseg's scope as ``CheckpointHook`` too, so every config
    of the toolkit (``default_scope = 'mmseg'``) gets it.
    """

    @contextlib.contextmanager
    def _removals_deferred(self):
        """Collect ``file_backend.remove`` calls; run them on success."""
        removed = []
        backend = self.file_backend
        remove = backend.remove
        backend.remove = removed.append
        try:
            yield
        finally:
            backend.remove = remove
        for path in removed:
            if backend.isfile(path):
                remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        with self._removals_deferred():
            super()._save_checkpoint_with_step(runner, step, meta)
        # mmengine writes last_checkpoint with a plain open(); replace it
        # atomically with the same content.
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if self.last_ckpt and osp.isfile(last):
            atomic_write(last, lambda f: f.write(str(self.last_ckpt).encode()))

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with self._removals_deferred():
            super()._save_best_checkpoint(runner, metrics)


# mmengine-scope configs (default_scope 'mmengine') get it by name.
MMENGINE_HOOKS.register_module(name='AtomicCheckpointHook',
                               module=AtomicCheckpointHook, force=True)
