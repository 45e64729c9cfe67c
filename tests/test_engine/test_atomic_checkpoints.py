"""A kill during a checkpoint write loses nothing; --resume continues."""
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from fgi_mmseg.engine import latest_complete_checkpoint
from tests.conftest import REPO, write_tiny_config

# Runs tools/train.py, SIGKILLing itself halfway through writing the bytes
# of iter_4.pth (after the previous checkpoints are complete).
KILLER = textwrap.dedent("""
    import os, runpy, signal, sys
    import fgi_mmseg.engine.atomic_backend as backend
    original = backend.atomic_write

    def killing(path, write):
        if not str(path).endswith('iter_4.pth'):
            return original(path, write)

        class Half:
            def __init__(self, f):
                self.f = f

            def write(self, data):
                self.f.write(data[:len(data) // 2])
                self.f.flush()
                os.kill(os.getpid(), signal.SIGKILL)

        return original(path, lambda f: write(Half(f)))

    backend.atomic_write = killing
    sys.argv = ['tools/train.py'] + sys.argv[1:]
    runpy.run_path('tools/train.py', run_name='__main__')
""")


def _train(*args, killer=False):
    cmd = [sys.executable] + (['-c', KILLER] if killer else
                              ['tools/train.py']) + list(args)
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def test_a_kill_while_writing_a_checkpoint_loses_nothing(demo_root,
                                                         tmp_path):
    config = write_tiny_config(
        tmp_path / 'cfg.py', demo_root, max_iters=6, interval=2,
        extra="default_hooks['checkpoint']['max_keep_ckpts'] = 1")
    work = tmp_path / 'work'
    killed = _train(config, '--work-dir', str(work), killer=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # The previous checkpoint is still there and whole; the torn write
    # left no file under its final name.
    assert (work / 'iter_2.pth').is_file()
    assert not (work / 'iter_4.pth').exists()
    assert (work / 'last_checkpoint').read_text() == str(work / 'iter_2.pth')
    assert latest_complete_checkpoint(str(work)) == str(work / 'iter_2.pth')
    torch.load(work / 'iter_2.pth', weights_only=False)

    resumed = _train(config, '--work-dir', str(work), '--resume')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = resumed.stdout + resumed.stderr
    assert 'resumed' in log.lower() and 'iter_2.pth' in log
    assert (work / 'iter_6.pth').is_file()
    assert not (work / 'iter_2.pth').exists()  # kept 1, after iter_6 was done
    assert not list(work.glob('.*.tmp'))  # no temporaries left behind


def test_resume_skips_a_truncated_checkpoint_named_by_last_checkpoint(
        tmp_path):
    good = tmp_path / 'iter_2.pth'
    torch.save(dict(state_dict={}), good)
    torn = tmp_path / 'iter_4.pth'
    torn.write_bytes(good.read_bytes()[:len(good.read_bytes()) // 2])
    (tmp_path / 'last_checkpoint').write_text(str(torn))
    assert latest_complete_checkpoint(str(tmp_path)) == str(good)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'gone.pth'))
    assert latest_complete_checkpoint(str(tmp_path)) == str(good)
    good.unlink()
    assert latest_complete_checkpoint(str(tmp_path)) is None


def test_a_nan_loss_stops_training_with_iteration_and_ids(demo_root,
                                                          tmp_path):
    config = write_tiny_config(
        tmp_path / 'cfg.py', demo_root, max_iters=6, interval=100,
        extra="optim_wrapper = dict(optimizer=dict(lr=float('nan')))")
    work = tmp_path / 'work'
    out = _train(config, '--work-dir', str(work))
    assert out.returncode != 0
    message = [line for line in out.stderr.splitlines()
               if 'non-finite loss' in line]
    assert message, out.stderr[-2000:]
    assert 'at iteration 2' in message[-1]  # NaN weights after step 1
    assert 'batch sample ids: ' in message[-1]
    assert not list(work.glob('*.pth'))


def test_a_nan_text_embedding_is_refused_on_loading(tmp_path):
    from fgi_mmseg.datasets import SampleLoadError
    from fgi_mmseg.datasets.transforms import LoadTextEmbedding
    path = str(tmp_path / 's1.npy')
    embed = np.ones((3, 4), np.float32)
    embed[1, 2] = np.nan
    np.save(path, embed)
    with pytest.raises(SampleLoadError,
                       match=r's1.*text_embed_path.*1 NaN/inf'):
        LoadTextEmbedding()(dict(sample_id='s1', text_embed_path=path))
