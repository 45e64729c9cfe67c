"""tools/analysis/speed_metric.py: scores a split's masks, checks medpy."""
import numpy as np
from mmcv import imwrite

from tests.conftest import run_tool


def test_times_both_and_checks_the_values(tmp_path):
    (tmp_path / 'masks').mkdir()
    (tmp_path / 'splits').mkdir()
    ids = []
    for i in range(3):
        mask = np.zeros((60, 80), np.uint8)
        mask[10 + 5 * i:40, 15:50 + 5 * i] = 255
        imwrite(mask, str(tmp_path / 'masks' / f'case{i}.png'))
        ids.append(f'case{i}')
    (tmp_path / 'splits' / 'val.txt').write_text('\n'.join(ids) + '\n')
    out = run_tool('tools/analysis/speed_metric.py', str(tmp_path),
                   '--rounds', '1').stdout
    assert out.startswith('3 val masks (first 60 x 80)')
    assert out.strip().endswith('values equal')
