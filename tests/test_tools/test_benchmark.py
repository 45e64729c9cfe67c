"""tools/analysis/benchmark.py: resumable CSV, table and plot."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fgi_mmseg.evaluation.benchmark import COLUMNS, paired_differences
from fgi_mmseg.utils.cpu_load import CpuSnapshot
from tests.conftest import load_tool

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def bench():
    return load_tool('tools/analysis/benchmark.py')


def _row(method, seed, dice, **kw):
    return dict(dict(method=method, seed=seed, dice=dice, iou=dice - 10,
                     hd95=10.0, asd=4.0, val_dice=dice - 1,
                     train_minutes=1.0, protocol='cpu_fast'), **kw)


def test_rows_are_appended_and_read_back(bench, tmp_path):
    path = str(tmp_path / 'results' / 'kvasir.csv')
    bench.append_row(path, _row('fgi', 0, 80.0))
    bench.append_row(path, _row('fgi', 1, 82.0))
    with open(path) as f:
        assert f.readline().strip() == ','.join(COLUMNS)
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
    assert table[2].startswith('| UNet (gaze) | cpu_fast | 1 |')
    assert table[3] == ('| FGI (gaze + text) | cpu_fast | 2 | 80.00 ± 1.41 '
                        '| 81.00 ± 1.41 | 71.00 ± 1.41 | 10.00 ± 0.00 '
                        '| 4.00 ± 0.00 |')
    assert table[4].startswith('| UNet (full masks) |')


def test_undefined_distances_are_left_out_of_the_mean(bench):
    rows = [_row('fgi', 0, 80.0, hd95='nan'), _row('fgi', 1, 80.0)]
    assert '| 10.00 |' in bench.markdown_table(rows, 'kvasir')


def _toy_configs(tmp_path):
    """Empty configs of two methods (run_one is replaced in these tests)."""
    configs = tmp_path / 'configs'
    configs.mkdir()
    for name in ('fgi', 'unet_gaze'):
        (configs / f'{name}.py').write_text('')
    return configs


def test_finished_runs_are_skipped_and_new_ones_appended(
        bench, tmp_path, monkeypatch):
    out = tmp_path / 'out'
    configs = _toy_configs(tmp_path)
    bench.append_row(str(out / 'toy.csv'), _row('fgi', 0, 80.0))
    bench.append_row(str(out / 'toy.csv'),
                     _row('fgi', 0, 80.0, protocol='cpu_mini'))
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
    # fgi seed 0 is done; its cpu_mini row is another protocol's run
    assert calls == [('unet_gaze', 0), ('unet_gaze', 1), ('fgi', 1)]
    with open(out / 'toy.csv') as f:
        assert len(list(csv.DictReader(f))) == 5
    assert '| UNet (gaze) | cpu_fast | 2 |' in (out / 'toy.md').read_text()
    assert (out / 'toy_dice.png').stat().st_size > 1000
    calls.clear()
    bench.main()  # everything is there now
    assert calls == []


def test_rows_name_the_commit_and_the_machine_of_their_run(
        bench, tmp_path, monkeypatch):
    configs = _toy_configs(tmp_path)
    out = tmp_path / 'out'
    old = out / 'toy.csv'
    old.parent.mkdir()
    # A CSV from before the two columns: its row stays, the two empty.
    old.write_text('method,seed,dice,iou,hd95,asd,val_dice,train_minutes,'
                   'protocol\nfgi,0,80,70,9,3,79,1.0,cpu_fast\n')

    def fake_run(config, seed, work_dir, extra):
        return dict(dice=70.0, iou=60.0, hd95=9.0, asd=3.0, val_dice=69.0,
                    train_minutes='0.1')

    monkeypatch.setattr(bench, 'run_one', fake_run)
    monkeypatch.setattr(bench, 'source_commit', lambda out_dir: 'abc1234')
    monkeypatch.setattr(bench, 'machine_description',
                        lambda: 'Toy CPU (6/1), 2 CPUs, avx2')
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py', 'toy', '--configs', str(configs / 'fgi.py'),
        '--seeds', '0', '1', '--out-dir', str(out), '--work-root',
        str(tmp_path / 'work')
    ])
    bench.main()
    rows = bench.read_rows(str(old))
    assert [(r['seed'], r['commit'], r['machine']) for r in rows] == [
        ('0', '', ''), ('1', 'abc1234', 'Toy CPU (6/1), 2 CPUs, avx2')]


def test_cpu_mini_protocol_reruns_in_fp32_with_workers(
        bench, tmp_path, monkeypatch):
    configs = _toy_configs(tmp_path)
    extras = []

    def fake_run(config, seed, work_dir, extra):
        extras.append((work_dir, list(extra)))
        return dict(dice=70.0, iou=60.0, hd95=9.0, asd=3.0, val_dice=69.0,
                    train_minutes='0.1')

    monkeypatch.setattr(bench, 'run_one', fake_run)
    for protocol in ('cpu_mini', 'cpu_fast'):
        monkeypatch.setattr(sys, 'argv', [
            'benchmark.py', 'toy', '--configs', str(configs / 'fgi.py'),
            '--protocol', protocol, '--out-dir', str(tmp_path / 'out'),
            '--work-root', str(tmp_path / 'work'), '--cfg-options', 'a=1'
        ])
        bench.main()
    (mini_dir, mini), (fast_dir, fast) = extras
    assert mini[:2] == ['optim_wrapper.dtype=float32', 'custom_hooks=[]']
    assert 'train_dataloader.num_workers=2' in mini and mini[-1] == 'a=1'
    assert fast == ['a=1']
    assert mini_dir.endswith('toy-cpu_mini/fgi/seed0')
    assert fast_dir.endswith('toy/fgi/seed0')


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


def test_stolen_and_shared_cpu_time_is_summed_over_interrupted_runs(
        bench, tmp_path, monkeypatch):
    config = tmp_path / 'unet_gaze.py'
    config.write_text('')
    work_dir = tmp_path / 'work'
    # Two invocations: 100 s of CPU time with 50 stolen, then 300 s with
    # 30 busy in other processes (own 60 of busy 90).
    snaps = iter([CpuSnapshot(0, 0, 0, 0), CpuSnapshot(100, 50, 40, 40),
                  CpuSnapshot(100, 50, 40, 40),
                  CpuSnapshot(400, 50, 130, 100)])
    monkeypatch.setattr(bench, 'cpu_snapshot', lambda: next(snaps))
    calls = []

    def run(cmd, log):
        os.makedirs(os.path.dirname(log), exist_ok=True)
        calls.append(cmd)
        if len(calls) == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(bench, '_run', run)
    with pytest.raises(KeyboardInterrupt):
        bench._train(str(config), str(work_dir), [])
    timing = bench._train(str(config), str(work_dir), [])
    assert {k: timing[k] for k in ('cpu_steal', 'cpu_others')} == dict(
        cpu_steal='12.5', cpu_others='7.5')  # 50 and 30 of 400 s


def test_a_run_begun_without_cpu_counters_leaves_them_empty(
        bench, tmp_path, monkeypatch):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    config = tmp_path / 'unet_gaze.py'
    config.write_text('')
    # A timer from before the counters were recorded.
    (work_dir / 'benchmark_time.json').write_text('{"train_minutes": 2.0}')
    monkeypatch.setattr(bench, '_run', lambda cmd, log: None)
    timing = bench._train(str(config), str(work_dir), [])
    assert timing['cpu_steal'] == timing['cpu_others'] == ''
    assert float(timing['train_minutes']) >= 2.0


def test_children_import_this_checkout_of_the_package(
        bench, tmp_path, monkeypatch):
    # A worktree of a fixed commit must train its own code, not that of
    # the checkout the package is installed from: tools/ alone is on a
    # script's path.
    checkout = tmp_path / 'worktree'
    (checkout / 'fgi_mmseg').mkdir(parents=True)
    (checkout / 'fgi_mmseg' / '__init__.py').write_text('')
    (checkout / 'tools').mkdir()
    (checkout / 'tools' / 'where.py').write_text(
        'import fgi_mmseg\nprint(fgi_mmseg.__file__)\n')
    monkeypatch.setattr(bench, 'REPO', str(checkout))
    log = tmp_path / 'run.log'
    bench._run([sys.executable, 'tools/where.py'], str(log))
    assert log.read_text().strip() == str(
        checkout / 'fgi_mmseg' / '__init__.py')


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
    # the cpu_fast row of fgi seed 0 does not count for `paper`
    assert calls == [('kvasir.py', 'toy-paper/fgi/seed0')]
    with open(out / 'toy.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['method'], r['protocol']) for r in rows] == [
        ('fgi', 'cpu_fast'), ('fgi', 'paper')]
    assert '| FGI (gaze + text) | paper | 1 |' in (out / 'toy.md').read_text()


def test_a_missing_config_is_named(bench, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py', 'toy', '--configs', 'fgi=nowhere/kvasir.py',
        '--out-dir', str(tmp_path)
    ])
    with pytest.raises(SystemExit, match='nowhere/kvasir.py'):
        bench.main()


def _cases(method, seed, dices, protocol='cpu_fast'):
    return [dict(method=method, seed=str(seed), protocol=protocol,
                 id=f'img{i}', dice=str(d)) for i, d in enumerate(dices)]


def test_paired_differences_average_seeds_per_image(bench):
    rows = (_cases('fgi', 0, [80, 60, 50]) + _cases('fgi', 1, [90, 70, 40])
            + _cases('gazemedseg', 0, [70, 60, 60])
            + _cases('gazemedseg', 1, [80, 50, 50])
            + _cases('gazemedseg', 2, [0, 0, 0])  # no fgi seed 2: unused
            + _cases('unet_gaze', 0, [50, 50, 50], protocol='paper'))
    (d, ) = paired_differences(rows)  # unet_gaze: other protocol
    # per image, mean over seeds 0-1 of fgi - gazemedseg: 10, 10, -10
    assert d['method'] == 'gazemedseg' and d['seeds'] == [0, 1]
    assert d['images'] == 3
    assert d['mean'] == pytest.approx(10 / 3)
    assert d['se'] == pytest.approx((400 / 3) ** 0.5 / 3 ** 0.5)
    assert d['low'] == pytest.approx(d['mean'] - 1.96 * d['se'])
    assert (d['higher'], d['lower']) == (2, 1)
    table = bench.paired_table(rows, 'kvasir').splitlines()
    assert table[2] == ('| GazeMedSeg (gaze) | cpu_fast | 0,1 | 3 '
                        '| +3.33 ± 6.67 | [-9.73, +16.40] | 2 / 1 |')


def test_paired_differences_refuse_different_test_images(bench):
    rows = _cases('fgi', 0, [80, 60]) + _cases('unet_gaze', 0, [70])
    with pytest.raises(ValueError, match=r'unet_gaze \(seed 0.*img1'):
        paired_differences(rows)


def test_per_image_rows_of_a_rerun_replace_the_earlier_ones(bench, tmp_path):
    path = str(tmp_path / 'toy_per_image.csv')
    bench.put_per_image(path, 'fgi', 0, 'cpu_fast', [('a', 1.0), ('b', 2.0)])
    bench.put_per_image(path, 'fgi', 1, 'cpu_fast', [('a', 3.0)])
    bench.put_per_image(path, 'fgi', 0, 'cpu_fast', [('a', 5.0), ('b', 6.0)])
    rows = bench.read_per_image(path)
    assert [(r['seed'], r['id'], r['dice']) for r in rows] == [
        ('1', 'a', '3.0'), ('0', 'a', '5.0'), ('0', 'b', '6.0')]


def test_finished_runs_store_their_cases_and_the_paired_table(
        bench, tmp_path, monkeypatch):
    out = tmp_path / 'out'
    configs = _toy_configs(tmp_path)

    def fake_run(config, seed, work_dir, extra):
        bonus = 10.0 if Path(config).stem == 'fgi' else 0.0
        return dict(dice=70.0, iou=60.0, hd95=9.0, asd=3.0, val_dice=69.0,
                    train_minutes='0.1',
                    cases=[('a', 60.0 + bonus), ('b', 80.0 + bonus / 2)])

    monkeypatch.setattr(bench, 'run_one', fake_run)
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py', 'toy', '--configs', str(configs / 'fgi.py'),
        str(configs / 'unet_gaze.py'), '--out-dir', str(out),
        '--work-root', str(tmp_path / 'work')
    ])
    bench.main()
    rows = bench.read_per_image(str(out / 'toy_per_image.csv'))
    assert len(rows) == 4
    assert 'cases' not in bench.read_rows(str(out / 'toy.csv'))[0]
    assert ('| UNet (gaze) | cpu_fast | 0 | 2 | +7.50 ± 2.50 |'
            in (out / 'toy.md').read_text())


def _fake_tests(bench, monkeypatch, dice):
    """Replace _run: every command 'writes' the metric and case files."""
    commands = []

    def fake(cmd, log):
        commands.append(cmd)
        os.makedirs(os.path.dirname(log), exist_ok=True)
        if 'tools/test.py' in cmd:
            out = Path(cmd[cmd.index('--out') + 1])
            out.mkdir(parents=True, exist_ok=True)
            (out / 'per_image.csv').write_text(
                'id,dice,iou,hd95,asd\na,60.0,50,1,1\nb,80.0,70,1,1\n')
            work = Path(cmd[cmd.index('--work-dir') + 1])
            (work / 'test_metrics.json').write_text(json.dumps(dict(
                checkpoint=cmd[3], metrics=dict(
                    Dice=dice, IoU=60.0, HD95=9.0, ASD=3.0))))

    monkeypatch.setattr(bench, '_run', fake)
    monkeypatch.setattr(bench, '_best_val', lambda checkpoint: 69.0)
    return commands


def test_a_run_reads_the_per_image_dice_of_its_test(
        bench, tmp_path, monkeypatch):
    config = tmp_path / 'unet_gaze.py'
    config.write_text('')
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'best_Dice_iter_500.pth').write_text('')
    commands = _fake_tests(bench, monkeypatch, dice=70.0)
    row = bench.run_one(str(config), 0, str(work), [])
    assert row['cases'] == [('a', 60.0), ('b', 80.0)]
    assert row['dice'] == 70.0
    test = commands[-1]
    assert test[test.index('--out') + 1] == str(work / 'test')


def test_the_two_stage_runner_is_asked_for_the_per_image_file(
        bench, tmp_path, monkeypatch):
    config = tmp_path / 'fgi.py'
    config.write_text("runner_type = 'TwoStageRunner'\n")
    work = tmp_path / 'work'
    cases = work / 'student_test' / 'per_image.csv'
    commands = []

    def fake(cmd, log):  # the runner tests the student itself
        commands.append(cmd)
        cases.parent.mkdir(parents=True)
        cases.write_text('id,dice,iou,hd95,asd\na,55.0,40,1,1\n')
        (work / 'student').mkdir()
        (work / 'student' / 'test_metrics.json').write_text(json.dumps(dict(
            checkpoint='s.pth', metrics=dict(Dice=55.0, IoU=40.0, HD95=1.0,
                                             ASD=1.0))))

    monkeypatch.setattr(bench, '_run', fake)
    monkeypatch.setattr(bench, '_best_val', lambda checkpoint: 50.0)
    row = bench.run_one(str(config), 0, str(work), [])
    assert f'test_evaluator.output_file={cases}' in commands[0]
    assert row['cases'] == [('a', 55.0)]


def _backfill_argv(monkeypatch, config, out, work):
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py', 'toy', '--configs', str(config), '--out-dir',
        str(out), '--work-root', str(work), '--backfill-per-image'
    ])


def test_backfill_keeps_only_cases_that_reproduce_the_csv(
        bench, tmp_path, monkeypatch):
    out = tmp_path / 'out'
    config = tmp_path / 'unet_gaze.py'
    config.write_text('')
    for seed, dice in ((0, 70.0), (1, 71.0)):
        bench.append_row(str(out / 'toy.csv'), _row('unet_gaze', seed, dice))
        test = tmp_path / 'work' / 'toy' / 'unet_gaze' / f'seed{seed}' / 'test'
        test.mkdir(parents=True)
        (test / 'test_metrics.json').write_text(
            json.dumps(dict(checkpoint=f'best{seed}.pth', metrics={})))
    commands = _fake_tests(bench, monkeypatch, dice=70.0)
    _backfill_argv(monkeypatch, config, out, tmp_path / 'work')
    # seed 1 re-tests to 70.0, not its recorded 71.0
    with pytest.raises(SystemExit, match=r'seed 1: best1.pth.*71.000000'):
        bench.main()
    assert [c[3] for c in commands] == ['best0.pth', 'best1.pth']
    rows = bench.read_per_image(str(out / 'toy_per_image.csv'))
    assert {(r['seed'], r['id']) for r in rows} == {('0', 'a'), ('0', 'b')}
    commands.clear()
    with pytest.raises(SystemExit):
        bench.main()  # seed 0 is not re-tested again
    assert [c[3] for c in commands] == ['best1.pth']


def test_backfill_names_a_run_without_a_test_result(
        bench, tmp_path, monkeypatch):
    out = tmp_path / 'out'
    config = tmp_path / 'unet_gaze.py'
    config.write_text('')
    bench.append_row(str(out / 'toy.csv'), _row('unet_gaze', 0, 70.0))
    _fake_tests(bench, monkeypatch, dice=70.0)
    _backfill_argv(monkeypatch, config, out, tmp_path / 'work')
    with pytest.raises(SystemExit, match=r'seed0/test/test_metrics.json'):
        bench.main()


def test_val_only_studies_record_validation_dice_commit_and_machine(
        bench, tmp_path, monkeypatch):
    configs = _toy_configs(tmp_path)
    out = tmp_path / 'out'
    calls = []

    def fake_val(config, seed, work_dir, extra):
        calls.append((Path(config).stem, seed))
        return dict(val_dice=60.0 + seed, teacher_val_dice=55.0,
                    train_minutes='1.5')

    def no_test(*args, **kwargs):
        raise AssertionError('a validation-only study must not test')

    monkeypatch.setattr(bench, 'run_one_val', fake_val)
    monkeypatch.setattr(bench, 'run_one', no_test)
    monkeypatch.setattr(bench, 'source_commit', lambda out_dir: 'abc1234')
    monkeypatch.setattr(bench, 'machine_description', lambda: 'Toy CPU')
    argv = ['benchmark.py', 'toy', '--val-only', '--configs',
            f'v1={configs / "fgi.py"}', f'v0={configs / "unet_gaze.py"}',
            '--seeds', '0', '1', '--out-dir', str(out), '--work-root',
            str(tmp_path / 'work')]
    monkeypatch.setattr(sys, 'argv', argv)
    bench.main()
    assert calls == [('fgi', 0), ('unet_gaze', 0), ('fgi', 1),
                     ('unet_gaze', 1)]  # in the given order
    rows = bench.read_val_rows(str(out / 'toy_val.csv'))
    assert [(r['method'], r['seed'], r['commit'], r['machine'])
            for r in rows][:2] == [('v1', '0', 'abc1234', 'Toy CPU'),
                                   ('v0', '0', 'abc1234', 'Toy CPU')]
    assert not (out / 'toy.csv').exists()
    assert '| v1 | cpu_fast | 0,1 | 55.00 ± 0.00 | 60.50 ± 0.71 |' in \
        (out / 'toy_val.md').read_text()
    calls.clear()
    bench.main()  # resumable: nothing left to run
    assert calls == []


def test_a_two_stage_val_run_is_told_not_to_test(bench, tmp_path,
                                                  monkeypatch):
    config = tmp_path / 'fgi.py'
    config.write_text("runner_type = 'TwoStageRunner'\n")
    work = tmp_path / 'work'
    commands = []

    def fake_run(cmd, log):
        commands.append(cmd)

    monkeypatch.setattr(bench, '_run', fake_run)
    monkeypatch.setattr(bench, '_stage_best_val',
                        lambda work_dir, stage: dict(teacher=50.0,
                                                     student=60.0)[stage])
    row = bench.run_one_val(str(config), 3, str(work), ['a=1'])
    # An inherited runner_type counts too (study configs inherit it).
    child = tmp_path / 'child.py'
    child.write_text(f"_base_ = ['{config}']\n")
    bench.run_one_val(str(child), 3, str(work), [])
    assert commands[1][-1] == 'test_student=False'
    assert commands[0][-3:] == ['randomness.seed=3', 'a=1',
                                'test_student=False']
    assert (row['val_dice'], row['teacher_val_dice']) == (60.0, 50.0)


def test_the_commit_is_dirty_for_changed_code_not_for_its_own_results(
        bench, tmp_path, monkeypatch):
    repo = tmp_path / 'checkout'
    (repo / 'docs' / 'results').mkdir(parents=True)
    (repo / 'code.py').write_text('x = 1\n')
    (repo / 'docs' / 'results' / 'kvasir.csv').write_text('method\n')

    def git(*args):
        subprocess.run(['git', '-C', str(repo), *args], check=True,
                       capture_output=True)

    git('init', '-q')
    git('add', '.')
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'c')
    monkeypatch.setattr(bench, 'REPO', str(repo))
    commit = bench.source_commit(str(repo / 'docs' / 'results'))
    assert len(commit) >= 7 and not commit.endswith('-dirty')
    # A worktree gathering rows stays clean...
    (repo / 'docs' / 'results' / 'kvasir.csv').write_text('method\nfgi\n')
    assert bench.source_commit(str(repo / 'docs' / 'results')) == commit
    # ...while changed code is not that commit's.
    (repo / 'code.py').write_text('x = 2\n')
    assert bench.source_commit(str(repo / 'docs' / 'results')) == \
        commit + '-dirty'
    assert bench.source_commit(str(tmp_path / 'elsewhere')) == \
        commit + '-dirty'
