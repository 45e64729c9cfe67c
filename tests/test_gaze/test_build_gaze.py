"""Tests of tools/gaze/build_gaze.py and the pseudo-mask Dice report."""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fgi_mmseg.gaze import (fast_heatmap, load_heatmap, pseudo_mask_dice,
                            read_fixations, summarize_dice)
from tests.conftest import REPO, load_tool, run_tool, shared_data

TOOL = REPO / 'tools' / 'gaze' / 'build_gaze.py'
THRESHOLD_KEYS = {'0.3', '0.4', '0.5', '0.6', '0.7'}


@pytest.fixture(scope='module')
def build_gaze():
    """The tool as a module: in-process runs skip ~8 s of imports each."""
    return load_tool('tools/gaze/build_gaze.py')


def demo_args(root, out, *extra):
    return [
        str(root), '--fixations', str(Path(root) / 'gaze' / 'fixations.csv'),
        '--out', str(out), '--img-suffix', '.png', '--mask-suffix', '.png',
        *extra
    ]


def test_pseudo_mask_dice():
    heatmap = np.array([[0.9, 0.6], [0.4, 0.1]], np.float32)
    mask = np.array([[1, 1], [0, 0]], np.uint8)
    scores = pseudo_mask_dice(heatmap, mask, thresholds=(0.3, 0.5, 0.95))
    assert list(scores) == [0.3, 0.5, 0.95]
    assert scores[0.3] == pytest.approx(2 * 2 / (3 + 2))
    assert scores[0.5] == 1.0
    assert scores[0.95] == 0.0
    # Two empty masks agree perfectly.
    assert pseudo_mask_dice(np.zeros((2, 2)), np.zeros((2, 2)),
                            (0.5, ))[0.5] == 1.0
    with pytest.raises(ValueError, match='shapes differ'):
        pseudo_mask_dice(heatmap, np.zeros((3, 3)))
    summary = summarize_dice([{0.5: 1.0}, {0.5: 0.5}])
    assert summary[0.5] == dict(mean=0.75, std=0.25, count=2)


def test_pseudo_mask_dice_counts_as_sums_do():
    # The counted path must give the summed definition's values exactly,
    # on a 255-valued mask (any non-zero is foreground) too.
    rng = np.random.default_rng(0)
    heatmap = rng.random((37, 41)).astype(np.float32)
    mask = (rng.random((37, 41)) > 0.6).astype(np.uint8) * 255
    truth = mask != 0
    for t, score in pseudo_mask_dice(heatmap, mask).items():
        pred = heatmap >= t
        expected = 2 * int((pred & truth).sum()) / int(pred.sum() + truth.sum())
        assert score == expected


def test_build_matches_fast_heatmap_and_resumes(build_gaze, demo_root,
                                                tmp_path, capsys):
    out = tmp_path / 'heatmaps'
    build_gaze.main(demo_args(demo_root, out, '--format', 'npy'))
    table = read_fixations(Path(demo_root) / 'gaze' / 'fixations.csv')
    assert len(table) == 24
    for image_id, fix in table.items():
        expected = fast_heatmap(fix.x, fix.y, fix.duration, fix.height,
                                fix.width)
        np.testing.assert_array_equal(
            np.load(out / f'{image_id}.npy'), expected)
    assert '24 heatmaps written' in capsys.readouterr().out

    report = json.loads((out / 'report.json').read_text())
    assert set(report['dice']) == THRESHOLD_KEYS
    assert report['scored'] == 24
    for stats in report['dice'].values():
        assert 0.0 <= stats['mean'] <= 1.0 and stats['count'] == 24

    # Resume: nothing is rewritten and the report is the same.
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob('*.npy')}
    build_gaze.main(demo_args(demo_root, out, '--format', 'npy'))
    assert '0 heatmaps written, 24 already there' in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns
            for p in out.glob('*.npy')} == mtimes
    assert json.loads((out / 'report.json').read_text()) == report
    assert not list(out.glob('.*.tmp'))


def test_png_formats(build_gaze, demo_root, tmp_path):
    table = read_fixations(Path(demo_root) / 'gaze' / 'fixations.csv')
    fix = table['train_0000']
    expected = fast_heatmap(fix.x, fix.y, fix.duration, fix.height, fix.width)
    for fmt, tolerance in (('png', 0.5 / 255), ('png16', 0.5 / 65535)):
        out = tmp_path / fmt
        build_gaze.main(demo_args(demo_root, out, '--format', fmt))
        heatmap = load_heatmap(out / 'train_0000.png')
        assert np.abs(heatmap - expected).max() <= tolerance + 1e-7


def test_simulate_from_masks(build_gaze, demo_root, tmp_path, capsys):
    # Masks only (ISIC-like, no recorded gaze and no images folder).
    root = tmp_path / 'isic'
    shutil.copytree(Path(demo_root) / 'masks', root / 'masks')
    fixations = tmp_path / 'gaze' / 'fixations.csv'
    args = [
        str(root), '--simulate', '--seed', '3', '--fixations',
        str(fixations), '--mask-suffix', '.png', '--out',
        str(tmp_path / 'hm')
    ]
    build_gaze.main(args)
    printed = capsys.readouterr().out
    assert 'simulated gaze for 24 images (seed 3)' in printed
    table = read_fixations(fixations)
    assert len(table) == 24 and table.report.num_bad == 0
    with open(fixations, newline='') as f:
        first = next(csv.DictReader(f))
    assert first['IMAGE'].endswith('.jpg')  # the --img-suffix default
    assert first['IMAGE_HEIGHT'] == '64.0'
    assert len(list((tmp_path / 'hm').glob('*.png'))) == 24
    report = json.loads((tmp_path / 'hm' / 'report.json').read_text())
    # Simulated gaze mostly lands on the lesion.
    assert report['dice']['0.3']['mean'] > 0.4

    # Same seed, same table.
    content = fixations.read_bytes()
    build_gaze.main(args)
    assert fixations.read_bytes() == content


def test_image_size_mismatch_names_the_file(build_gaze, demo_root, tmp_path):
    table = read_fixations(Path(demo_root) / 'gaze' / 'fixations.csv')
    fix = table['val_0001']
    fixations = tmp_path / 'wrong.csv'
    fixations.write_text(
        'IMAGE,CURRENT_FIX_X,CURRENT_FIX_Y,CURRENT_FIX_DURATION,'
        'IMAGE_HEIGHT,IMAGE_WIDTH\n'
        f'val_0001.png,{fix.x[0]},{fix.y[0]},300,65.0,64.0\n')
    with pytest.raises(SystemExit, match=r'val_0001\.png: image is 64 x 64 '
                       r'but the fixation table says 65 x 64'):
        build_gaze.main([
            demo_root, '--fixations',
            str(fixations), '--out',
            str(tmp_path / 'hm'), '--img-suffix', '.png'
        ])


def test_crf_skipped_without_pydensecrf(build_gaze, demo_root, tmp_path,
                                        capsys, monkeypatch):
    monkeypatch.setattr(build_gaze, 'crf_available', lambda: False)
    out = tmp_path / 'crf'
    build_gaze.main(demo_args(demo_root, out, '--crf'))
    assert 'pip install pydensecrf2' in capsys.readouterr().out
    assert not out.exists()


def test_crf_build(build_gaze, demo_root, tmp_path):
    pytest.importorskip(
        'pydensecrf.densecrf',
        reason='optional pydensecrf2 not installed (pip install pydensecrf2)')
    out = tmp_path / 'crf'
    build_gaze.main(demo_args(demo_root, out, '--crf', '--format', 'npy'))
    maps = [np.load(p) for p in sorted(out.glob('*.npy'))]
    assert len(maps) == 24
    assert all(m.shape == (64, 64) and 0 <= m.min() and m.max() <= 1
               for m in maps)


def test_cli_reports_bad_rows_and_writes_outside_root(demo_root, tmp_path):
    """The script itself: a bad row is reported, the root is left alone."""
    root = tmp_path / 'data'
    shutil.copytree(demo_root, root)
    fixations = root / 'gaze' / 'fixations.csv'
    with open(fixations, 'a') as f:
        f.write('train_0000.jpg,99,1.5,0.5,300,0,0,64.0,64.0\n')
    bad_line = len(fixations.read_text().splitlines())
    before = sorted(p for p in root.rglob('*'))
    proc = run_tool(str(TOOL), *demo_args(root, tmp_path / 'hm'))
    assert f'out_of_range: 1 (rows {bad_line})' in proc.stdout
    assert '24 heatmaps written' in proc.stdout
    assert 'heatmaps' in proc.stderr  # the tqdm bar
    assert sorted(p for p in root.rglob('*')) == before
    assert set(json.loads(
        (tmp_path / 'hm' / 'report.json').read_text())['dice']) == \
        THRESHOLD_KEYS


def test_kvasir_subset(build_gaze, tmp_path):
    """Real Kvasir-SEG gaze on 20 images: sizes match the JPEGs."""
    root = shared_data('kvasir-seg')
    lines = shared_data('gaze', 'kvasir_fixation.csv').read_text().splitlines()
    keep = sorted({line.split(',')[0] for line in lines[1:]})[:20]
    subset = tmp_path / 'subset.csv'
    subset.write_text('\n'.join(
        [lines[0]] + [x for x in lines[1:] if x.split(',')[0] in keep]) +
        '\n')
    out = tmp_path / 'hm'
    build_gaze.main([str(root), '--fixations', str(subset), '--out',
                     str(out), '--format', 'npy'])
    table = read_fixations(subset)
    for image_id, fix in table.items():
        np.testing.assert_array_equal(
            np.load(out / f'{image_id}.npy'),
            fast_heatmap(fix.x, fix.y, fix.duration, fix.height, fix.width))
    report = json.loads((out / 'report.json').read_text())
    assert report['scored'] == 20
    assert 0.5 < report['dice']['0.5']['mean'] < 0.95


def test_worker_processes_write_the_same_maps_and_report(build_gaze,
                                                        demo_root, tmp_path):
    serial, parallel = tmp_path / 'serial', tmp_path / 'parallel'
    build_gaze.main(demo_args(demo_root, serial, '--workers', '1'))
    build_gaze.main(demo_args(demo_root, parallel, '--workers', '2'))
    maps = sorted(p.name for p in serial.glob('*.png'))
    assert len(maps) == 24
    assert sorted(p.name for p in parallel.glob('*.png')) == maps
    for name in maps:
        np.testing.assert_array_equal(load_heatmap(serial / name),
                                      load_heatmap(parallel / name))
    report = json.loads((serial / 'report.json').read_text())
    assert report['dice'] == json.loads(
        (parallel / 'report.json').read_text())['dice']
    assert report['scored'] == 24


def test_an_error_in_a_worker_is_one_line(build_gaze, demo_root, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(demo_root, root)
    (root / 'images' / 'val_0001.png').unlink()
    with pytest.raises(SystemExit, match=r'val_0001\.png: image of '
                       "fixation-table entry 'val_0001' not found"):
        build_gaze.main(demo_args(root, tmp_path / 'hm', '--workers', '2'))


def test_the_tool_imports_neither_torch_nor_mmseg(demo_root, tmp_path):
    """Importing them took 4 s of a 12 s run over Kvasir's 1,000 maps."""
    script = (
        'import runpy, sys\n'
        f'sys.argv = ["build_gaze.py", *{demo_args(demo_root, tmp_path)!r}]\n'
        'try:\n'
        f'    runpy.run_path({str(TOOL)!r}, run_name="__main__")\n'
        'except SystemExit as stop:\n'
        '    assert not stop.code, stop.code\n'
        'print(sorted(m for m in ("torch", "mmseg", "mmengine") '
        'if m in sys.modules))\n')
    proc = subprocess.run([sys.executable, '-c', script], cwd=REPO,
                          capture_output=True, text=True, check=True)
    assert '24 heatmaps written' in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == '[]'


@pytest.mark.parametrize('fault', ['missing', 'empty', 'duplicate_column'])
def test_bad_fixation_files_get_one_line_and_exit_2(demo_root, tmp_path,
                                                    fault):
    root = tmp_path / 'data'
    shutil.copytree(demo_root, root)
    fixations = root / 'gaze' / 'fixations.csv'
    if fault == 'missing':
        fixations.unlink()
    elif fault == 'empty':
        fixations.write_text('')
    else:
        lines = fixations.read_text().splitlines()
        fixations.write_text('\n'.join(
            [lines[0] + ',IMAGE'] + [line + ',x.jpg' for line in lines[1:]]))
    proc = run_tool(str(TOOL), *demo_args(root, tmp_path / 'hm'),
                    check=False)
    assert proc.returncode == 2
    assert 'Traceback' not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith('error: ') and str(fixations) in line
    expected = {'missing': 'No such file or directory', 'empty': "'IMAGE' is missing",
                'duplicate_column': "['IMAGE'] appear more than once"}
    assert expected[fault] in line
    assert not (tmp_path / 'hm').exists()


def test_temporaries_of_a_killed_run_are_swept(build_gaze, demo_root,
                                               tmp_path, capsys):
    out = tmp_path / 'hm'
    out.mkdir()
    leftover = out / '.train_0000.png.abc123.tmp'
    leftover.write_bytes(b'half a png')
    build_gaze.main(demo_args(demo_root, out))
    assert not leftover.exists()
    assert 'removed 1 temporary files of an interrupted run' in \
        capsys.readouterr().out
