"""Training checks its data's files before the first iteration."""
import shutil

import cv2
import numpy as np
import pytest

from tests.conftest import run_tool, write_tiny_config


@pytest.fixture
def data_root(demo_root, tmp_path):
    root = tmp_path / 'demo'
    shutil.copytree(demo_root, root)
    return root


def test_a_val_mask_of_another_size_stops_training_before_it_starts(
        data_root, tmp_path):
    val_id = (data_root / 'splits/val.txt').read_text().split()[1]
    mask = data_root / 'masks' / f'{val_id}.png'
    cv2.imwrite(str(mask), np.zeros((40, 64), np.uint8))
    config = write_tiny_config(tmp_path / 'cfg.py', str(data_root))
    work = tmp_path / 'work'

    proc = run_tool('tools/train.py', config, '--work-dir', str(work),
                    check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith('error: 1 problems in the training data')
    assert f'val: sample "{val_id}": seg_map_path "{mask}"' in message
    assert 'size (40, 64) differs from the image size (64, 64)' in message
    assert 'Traceback' not in proc.stderr
    assert not list(work.rglob('*.pth'))  # nothing trained


def test_a_clean_dataset_passes_the_check(data_root, tmp_path):
    config = write_tiny_config(tmp_path / 'cfg.py', str(data_root),
                               max_iters=1, interval=1)
    run_tool('tools/train.py', config, '--work-dir', str(tmp_path / 'w'))
