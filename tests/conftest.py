"""Shared fixtures: a tiny synthetic dataset and tiny training configs."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fgi_mmseg  # noqa: F401  (registers the modules: a file runs alone)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / 'shared' / 'data'
TINY_SPLITS = (('train', 16), ('val', 4), ('test', 4))
# Config lines shrinking an FGI config (teacher 4..16, student 2..8) for
# CPU tests; append them to a config that sets `_base_`.
TINY_FGI_WIDTHS = '''
teacher_widths = (4, 8, 8, 16, 16)
student_widths = (2, 4, 4, 8, 8)
model = dict(
    teacher=dict(
        backbone=dict(widths=teacher_widths),
        neck=dict(in_channels=teacher_widths, num_heads=1,
                  pos_embed_size=(2, 2)),
        decode_head=dict(in_channels=list(teacher_widths))),
    student_channels=[student_widths[i] for i in (1, 2, 3, 4)],
    backbone=dict(widths=student_widths),
    decode_head=dict(in_channels=list(student_widths)))
'''


def load_tool(relative_path: str):
    """Import a repository script (e.g. ``tools/analysis/x.py``) as a
    module, so that tests can call its functions."""
    path = REPO / relative_path
    spec = importlib.util.spec_from_file_location(path.stem + '_tool', path)
    module = importlib.util.module_from_spec(spec)
    # Registered, so that its functions pickle (worker processes).
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def shared_data(*parts: str) -> Path:
    """Path under ../shared/data, skipping the test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f'real data not available: {path} is absent')
    return path


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory) -> str:
    """A small synthetic polyp dataset (64 x 64, 16/4/4 samples)."""
    from fgi_mmseg.datasets import materialize_demo_data
    root = str(tmp_path_factory.mktemp('data') / 'demo')
    return materialize_demo_data(root, seed=0, size=64, splits=TINY_SPLITS)


def write_tiny_config(path: Path, data_root: str, base: str =
                      'configs/baselines/unet_gaze_demo.py',
                      max_iters: int = 6, interval: int = 3,
                      extra: str = '') -> str:
    """A config that trains ``base`` for a few iterations on ``data_root``."""
    path.write_text(f"""
_base_ = ['{REPO / base}']
model = dict(
    backbone=dict(widths=(4, 8, 8, 16, 16)),
    decode_head=dict(in_channels=[4, 8, 8, 16, 16]))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root='{data_root}'))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root='{data_root}'))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={max_iters}, val_interval={interval})
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-4, begin=0,
                        end={max_iters}, by_epoch=False)]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval={interval}, max_keep_ckpts=10))
{extra}
""")
    return str(path)


def run_tool(*args: str, env: dict = None, timeout: int = 600,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run a repository script with this interpreter, from the repo root."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO))
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(args)} failed ({proc.returncode}):\n'
            f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc
