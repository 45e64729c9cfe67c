"""tools/analysis/benchmark.py: resumable CSV, table and plot."""
import csv
import json
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location(
        'benchmark_tool', REPO / 'tools' / 'analysis' / 'benchmark.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(method, seed, dice, **kw):
    return dict(dict(method=method, seed=seed, dice=dice, iou=dice - 10,
                     hd95=10.0, asd=4.0, val_dice=dice - 1,
                     train_minutes=1.0, protocol='cpu_mini'), **kw)


def test_rows_are_appended_and_read_back(bench, tmp_path):
    path = str(tmp_path / 'results' / 'kvasir.csv')
    bench.append_row(path, _row('fgi', 0, 80.0))
    bench.append_row(path, _row('fgi', 1, 82.0))
    with open(path) as f:
        assert f.readline().strip() == ','.join(bench.COLUMNS)
    rows = bench.read_rows(path)
    assert [(r['method'], r['seed'], r['dice']) for r in rows] == [
        ('fgi', '0', '80.0'), ('fgi', '1', '82.0')]
    assert not list((tmp_path / 'results').glob('*.tmp*'))


def test_a_csv_without_the_metric_columns_is_refused(bench, tmp_path):
    path = tmp_path / 'bad.csv'
    path.write_text('method,seed,dice\nfgi,0,80\n')
    with pytest.raises(ValueError, match=r'bad.csv.*iou'):
        bench.read_rows(str(path))


def test_table_holds_mean_and_std_over_seeds_in_paper_order(bench):
    rows = [_row('unet_full', 0, 90.0), _row('fgi', 0, 80.0),
            _row('fgi', 1, 82.0), _row('unet_gaze', 0, 70.0)]
    table = bench.markdown_table(rows, 'kvasir').splitlines()
    assert table[2].startswith('| UNet (gaze) | cpu_mini | 1 |')
    assert table[3] == ('| FGI (gaze + text) | cpu_mini | 2 | 80.00 ± 1.41 '
                        '| 81.00 ± 1.41 | 71.00 ± 1.41 | 10.00 ± 0.00 '
                        '| 4.00 ± 0.00 |')
    assert table[4].startswith('| UNet (full masks) |')


def test_undefined_distances_are_left_out_of_the_mean(bench):
    rows = [_row('fgi', 0, 80.0, hd95='nan'), _row('fgi', 1, 80.0)]
    assert '| 10.00 |' in bench.markdown_table(rows, 'kvasir')


def test_finished_runs_are_skipped_and_new_ones_appended(
        bench, tmp_path, monkeypatch):
    out = tmp_path / 'out'
    configs = tmp_path / 'configs'
    configs.mkdir()
    for name in ('fgi', 'unet_gaze'):
        (configs / f'{name}.py').write_text('')
    bench.append_row(str(out / 'toy.csv'), _row('fgi', 0, 80.0))
    calls = []

    def fake_run(config, seed, work_dir, extra):
        calls.append((Path(config).stem, seed))
        return dict(dice=70.0 + seed, iou=60.0, hd95=9.0, asd=3.0,
                    val_dice=69.0, train_minutes='0.1')

    monkeypatch.setattr(bench, 'run_one', fake_run)
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py', 'toy', '--configs', str(configs / 'fgi.py'),
        str(configs / 'unet_gaze.py'), '--seeds', '0', '1', '--out-dir',
        str(out), '--work-root', str(tmp_path / 'work')
    ])
    bench.main()
    assert calls == [('unet_gaze', 0), ('unet_gaze', 1), ('fgi', 1)]
    with open(out / 'toy.csv') as f:
        assert len(list(csv.DictReader(f))) == 4
    assert '| UNet (gaze) | cpu_mini | 2 |' in (out / 'toy.md').read_text()
    assert (out / 'toy_dice.png').stat().st_size > 1000
    calls.clear()
    bench.main()  # everything is there now
    assert calls == []


def test_training_time_is_summed_over_interrupted_runs(
        bench, tmp_path, monkeypatch):
    config = tmp_path / 'unet_gaze.py'
    config.write_text('')
    work_dir = tmp_path / 'work'
    clock = iter([100.0, 160.0, 1000.0, 1030.0])
    monkeypatch.setattr(bench.time, 'time', lambda: next(clock))

    def interrupted(cmd, log):
        os.makedirs(os.path.dirname(log), exist_ok=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, '_run', interrupted)
    for _ in range(2):
        with pytest.raises(KeyboardInterrupt):
            bench.run_one(str(config), 0, str(work_dir), [])
    timer = json.loads((work_dir / 'benchmark_time.json').read_text())
    assert timer['train_minutes'] == pytest.approx(1.5)  # 60 s + 30 s


def test_sigterm_stops_the_child_and_unwinds_the_caller(tmp_path):
    # `kill PID` on the benchmark must not orphan the training it runs,
    # and must let run_one's ``finally`` record the training time.
    log, marker, unwound = (tmp_path / n for n in ('run.log', 'child', 'fin'))
    child = ('import signal, sys, time\n'
             'def stop(*_):\n'
             f'    open({str(marker)!r}, "w").write("SIGTERM")\n'
             '    sys.exit(3)\n'
             'signal.signal(signal.SIGTERM, stop)\n'
             'print("ready", flush=True)\n'
             'time.sleep(120)\n')
    parent = (
        'import importlib.util, sys\n'
        'spec = importlib.util.spec_from_file_location("b", '
        f'{str(REPO / "tools" / "analysis" / "benchmark.py")!r})\n'
        'b = importlib.util.module_from_spec(spec)\n'
        'spec.loader.exec_module(b)\n'
        'b._interrupt_on_sigterm()\n'
        'try:\n'
        f'    b._run([sys.executable, "-c", {child!r}], {str(log)!r})\n'
        'finally:\n'
        f'    open({str(unwound)!r}, "w").write("done")\n')
    proc = subprocess.Popen([sys.executable, '-c', parent])
    deadline = time.monotonic() + 60
    while 'ready' not in (log.read_text() if log.exists() else ''):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) != 0
    assert marker.read_text() == 'SIGTERM'
    assert unwound.read_text() == 'done'


def test_named_configs_of_another_protocol_get_their_own_runs(
        bench, tmp_path, monkeypatch):
    out = tmp_path / 'out'
    config = tmp_path / 'kvasir.py'
    config.write_text('')
    bench.append_row(str(out / 'toy.csv'), _row('fgi', 0, 80.0))
    calls = []

    def fake_run(config, seed, work_dir, extra):
        calls.append((Path(config).name, Path(work_dir).relative_to(
            tmp_path / 'work').as_posix()))
        return dict(dice=70.0, iou=60.0, hd95=9.0, asd=3.0, val_dice=69.0,
                    train_minutes='0.1')

    monkeypatch.setattr(bench, 'run_one', fake_run)
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py', 'toy', '--configs', f'fgi={config}', '--protocol',
        'paper', '--out-dir', str(out), '--work-root', str(tmp_path / 'work')
    ])
    bench.main()
    # the cpu_mini row of fgi seed 0 does not count for `paper`
    assert calls == [('kvasir.py', 'toy-paper/fgi/seed0')]
    with open(out / 'toy.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['method'], r['protocol']) for r in rows] == [
        ('fgi', 'cpu_mini'), ('fgi', 'paper')]
    assert '| FGI (gaze + text) | paper | 1 |' in (out / 'toy.md').read_text()


def test_a_missing_config_is_named(bench, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py', 'toy', '--configs', 'fgi=nowhere/kvasir.py',
        '--out-dir', str(tmp_path)
    ])
    with pytest.raises(SystemExit, match='nowhere/kvasir.py'):
        bench.main()
