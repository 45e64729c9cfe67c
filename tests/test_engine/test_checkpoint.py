import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import CheckpointLoader

import fgi_mmseg  # noqa: F401  (registers the loader)
from fgi_mmseg.engine import load_from_local_safe


def test_loads_checkpoints_with_mmengine_history(tmp_path):
    hub = MessageHub.get_instance('test_checkpoint')
    hub.update_scalar('train/loss', 0.5)
    path = str(tmp_path / 'iter_1.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(2)),
                    message_hub=hub.state_dict(),
                    meta=dict(iter=1, best=np.float64(0.7))), path)
    # torch >= 2.6 alone refuses this file.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))
    assert ckpt['meta']['iter'] == 1


class _Exploit:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_refuses_foreign_globals(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(payload=_Exploit()), path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        load_from_local_safe(path)


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_from_local_safe(str(tmp_path / 'nope.pth'))
