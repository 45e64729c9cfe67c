"""``tools/train.py --resume`` continues a run killed mid-way."""
import torch

from tests.conftest import REPO, run_tool, write_tiny_config

CRASH_HOOK = '''
import os
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class CrashAfterIter(Hook):
    """Kill the process, without any clean-up, after iteration CRASH_AT."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == int(os.environ.get('CRASH_AT', 0)):
            os._exit(3)
'''


def test_resume_after_crash(demo_root, tmp_path):
    (tmp_path / 'crash_hook.py').write_text(CRASH_HOOK)
    config = write_tiny_config(
        tmp_path / 'cfg.py', demo_root, max_iters=6, interval=3,
        extra="custom_imports = dict(imports=['fgi_mmseg', 'crash_hook'])\n"
        "custom_hooks = [dict(type='CrashAfterIter')]\n")
    work_dir = tmp_path / 'work'
    env = dict(PYTHONPATH=f'{tmp_path}:{REPO}')

    crashed = run_tool('tools/train.py', config, '--work-dir', str(work_dir),
                       env=dict(env, CRASH_AT='5'), check=False)
    assert crashed.returncode == 3, crashed.stderr[-2000:]
    assert (work_dir / 'iter_3.pth').exists()
    assert not (work_dir / 'iter_6.pth').exists()

    resumed = run_tool('tools/train.py', config, '--work-dir', str(work_dir),
                       '--resume', env=env)
    log = resumed.stdout + resumed.stderr
    assert 'resumed' in log.lower() and 'iter_3.pth' in log
    assert 'Iter(train) [4/6]' in log and 'Iter(train) [1/6]' not in log
    final = torch.load(work_dir / 'iter_6.pth', weights_only=False)
    assert final['meta']['iter'] == 6
