"""An nnU-Net benchmark run end to end (one 250-iteration epoch on a tiny
export), and the scoring of its predictions."""
import csv
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import REPO, run_tool
from tests.test_nnunet.test_export import DEMO_CONFIG, demo_config

pytest.importorskip('nnunetv2')


@pytest.fixture(scope='module')
def benchmark_run(demo_root, tmp_path_factory):
    """tools/analysis/benchmark.py with a tiny nnunet_gaze config: batch 2,
    10 iterations (nnU-Net's unit is a 250-iteration epoch: one epoch)."""
    tmp = tmp_path_factory.mktemp('nnunet')
    config = tmp / 'nnunet_gaze.py'
    loaders = '\n'.join(
        f"{split}_dataloader = dict(dataset=dict(data_root='{demo_root}'))"
        for split in ('val', 'test'))
    config.write_text(f"""
_base_ = ['{DEMO_CONFIG}']
train_dataloader = dict(batch_size=2, dataset=dict(data_root='{demo_root}'))
{loaders}
train_cfg = dict(max_iters=10)
""")
    before = set(os.listdir(REPO))
    run_tool('tools/analysis/benchmark.py', 'demo', '--seeds', '0',
             '--configs', f'nnunet_gaze={config}', '--out-dir',
             str(tmp / 'out'), '--work-root', str(tmp / 'work'),
             env=dict(OMP_NUM_THREADS='1'))
    return dict(config=str(config), out=tmp / 'out',
                work=tmp / 'work' / 'demo' / 'nnunet_gaze' / 'seed0',
                repo_entries=before)


def _csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_the_run_appends_a_row_with_test_and_val_dice(benchmark_run):
    rows = _csv(benchmark_run['out'] / 'demo.csv')
    assert [(r['method'], r['seed'], r['protocol']) for r in rows] == [
        ('nnunet_gaze', '0', 'cpu_fast')]
    test = json.loads((benchmark_run['work'] / 'test' /
                       'test_metrics.json').read_text())
    val = json.loads((benchmark_run['work'] / 'val' /
                      'test_metrics.json').read_text())
    assert float(rows[0]['dice']) == pytest.approx(test['metrics']['Dice'])
    assert float(rows[0]['val_dice']) == pytest.approx(val['metrics']['Dice'])
    assert test['checkpoint'].endswith('fold_0/checkpoint_final.pth')
    assert test['metrics']['num_images'] == 4
    # One epoch on 16 images learns something: far from an empty mask.
    assert 20 < test['metrics']['Dice'] <= 100
    assert 'nnU-Net (gaze)' in (benchmark_run['out'] / 'demo.md').read_text()


def test_per_image_rows_cover_the_test_split(benchmark_run, demo_root):
    cases = _csv(benchmark_run['out'] / 'demo_per_image.csv')
    test_ids = Path(demo_root, 'splits', 'test.txt').read_text().split()
    assert sorted(r['id'] for r in cases) == sorted(test_ids)
    assert {r['method'] for r in cases} == {'nnunet_gaze'}


def test_the_plan_is_nnunets_with_the_protocols_batch_size(benchmark_run):
    plan = json.loads((benchmark_run['work'] /
                       'nnunet_plan.json').read_text())
    assert plan['batch_size'] == 2
    assert plan['planned']['patch_size'] == [64, 64]
    assert plan['planned']['architecture']['network_class_name'].endswith(
        'PlainConvUNet')
    plans = next(benchmark_run['work'].glob(
        'nnUNet_preprocessed/*/nnUNetPlans.json'))
    assert json.loads(plans.read_text())['configurations']['2d'][
        'batch_size'] == 2


def test_nothing_is_written_outside_the_work_dir(benchmark_run):
    assert set(os.listdir(REPO)) == benchmark_run['repo_entries']
    assert {p.name for p in benchmark_run['work'].iterdir()} >= {
        'nnUNet_raw', 'nnUNet_preprocessed', 'nnUNet_results', 'test', 'val'}
    assert sorted(p.name for p in benchmark_run['out'].iterdir()) == [
        'demo.csv', 'demo.md', 'demo_dice.png', 'demo_per_image.csv']


def test_a_rerun_reuses_every_finished_step(benchmark_run):
    final = next(benchmark_run['work'].glob(
        'nnUNet_results/*/*/fold_0/checkpoint_final.pth'))
    stamp = final.stat().st_mtime_ns
    before = json.loads((benchmark_run['work'] / 'test' /
                         'test_metrics.json').read_text())
    proc = run_tool('tools/misc/train_nnunet.py', benchmark_run['config'],
                    '--work-dir', str(benchmark_run['work']),
                    env=dict(OMP_NUM_THREADS='1'))
    assert f'{before["metrics"]["Dice"]:.2f}' in proc.stdout
    assert 'Epoch 0' not in proc.stdout
    assert final.stat().st_mtime_ns == stamp


def test_a_config_without_nnunet_options_is_refused_in_one_line(tmp_path):
    proc = run_tool('tools/misc/train_nnunet.py',
                    'configs/baselines/unet_gaze_demo.py', '--work-dir',
                    str(tmp_path), check=False)
    assert proc.returncode == 2
    assert 'no nnunet=dict(label=...) in the config' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_predictions_are_scored_at_the_original_size(demo_root, tmp_path):
    """Probabilities that are the ground truth itself score Dice 100; the
    ground truth is read at its own size (the metric refuses others)."""
    from fgi_mmseg.nnunet.run import score
    cfg = demo_config(demo_root)
    probabilities = {}
    for case in Path(demo_root, 'splits', 'test.txt').read_text().split():
        gt = cv2.imread(f'{demo_root}/masks/{case}.png', 0) >= 128
        probabilities[case] = np.stack([~gt, gt]).astype(np.float32)
    out = tmp_path / 'per_image.csv'
    metrics = score(cfg, 'test', probabilities, str(out))
    assert metrics['Dice'] == pytest.approx(100.0)
    assert metrics['num_images'] == 4
    assert len(_csv(out)) == 4
    # At half the size they are resized back, bilinearly: close, not exact.
    halved = {case: p[:, ::2, ::2] for case, p in probabilities.items()}
    assert 85 < score(cfg, 'test', halved)['Dice'] < 100
