"""Ground truth never reaches a weakly supervised loss.

A weakly supervised model is trained for a few steps twice: on the demo
data, and on a copy whose ground-truth masks are replaced by noise. Losses
and weights must be identical. The fully supervised control proves that
the harness would notice a leak.
"""
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tests.conftest import write_tiny_config


def _noise_masks(root):
    rng = np.random.default_rng(123)
    for path in sorted((root / 'masks').glob('*.png')):
        shape = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).shape
        cv2.imwrite(str(path), rng.integers(0, 2, shape, np.uint8) * 255)


def _train(config_path, data_root, work_dir):
    cfg = Config.fromfile(config_path)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = str(data_root)
    cfg.work_dir = str(work_dir)
    runner = Runner.from_cfg(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0].copy()
    weights = {k: v.clone() for k, v in runner.model.state_dict().items()}
    return losses, weights


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture
def noisy_root(demo_root, tmp_path):
    root = tmp_path / 'noisy'
    shutil.copytree(demo_root, root)
    _noise_masks(root)
    return root


def test_gaze_supervised_training_never_sees_ground_truth(
        demo_root, noisy_root, tmp_path):
    # No validation inside the window: it reads ground truth legitimately.
    config = write_tiny_config(tmp_path / 'cfg.py', demo_root, max_iters=4,
                               interval=100)
    clean = _train(config, demo_root, tmp_path / 'clean')
    noisy = _train(config, noisy_root, tmp_path / 'noisy_run')
    assert len(clean[0]) == 4
    assert np.array_equal(clean[0], noisy[0])
    assert _same(clean[1], noisy[1])


def test_control_full_supervision_does_see_the_noise(
        demo_root, noisy_root, tmp_path):
    config = write_tiny_config(
        tmp_path / 'cfg.py', demo_root, max_iters=4, interval=100,
        extra="""
model = dict(type='EncoderDecoder', _delete_=False)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadBinaryAnnotations'),
    dict(type='SegFieldsResize', scale=(64, 64), keep_ratio=False),
    dict(type='PackGazeSegInputs')]))
""")
    cfg = Config.fromfile(config)
    cfg.model.pop('train_label')
    cfg.dump(config)
    clean = _train(config, demo_root, tmp_path / 'clean')
    noisy = _train(config, noisy_root, tmp_path / 'noisy_run')
    assert not np.array_equal(clean[0], noisy[0])
    assert not _same(clean[1], noisy[1])
