"""Train and test a set of methods over seeds; tabulate mean +- std.

Every (method, seed) is one training run (``tools/train.py``, resumed if
its work dir holds a checkpoint) followed by a test of the checkpoint that
was best on the validation split. Each finished run is appended to the CSV
at once (rewritten atomically) and runs already in it are skipped, so
seeds accumulate over several invocations and an interrupted benchmark
loses at most the run in progress. The Markdown table (the layout of the
paper's Tables 1-3) and the Dice plot are rebuilt from the CSV each time.

Example::

    # configs/benchmark/kvasir/{fgi,unet_gaze,...}.py, seeds 0-2
    python tools/analysis/benchmark.py kvasir --seeds 0 1 2
    # only tabulate what is there
    python tools/analysis/benchmark.py kvasir --report-only
    # per-image rows for runs finished before they were kept (re-tests the
    # recorded checkpoint and checks that it reproduces the CSV's Dice)
    python tools/analysis/benchmark.py kvasir --backfill-per-image
    # the authors' protocol on a GPU, rows labelled `paper`
    python tools/analysis/benchmark.py kvasir --protocol paper --configs \
        fgi=configs/fgi/kvasir.py \
        unet_gaze=configs/baselines/unet_gaze_kvasir.py

Outputs (defaults): ``docs/results/<dataset>.csv`` (columns ``method,
seed,dice,iou,hd95,asd,val_dice,train_minutes,protocol,commit,machine,
cpu_steal,cpu_others``; Dice and IoU in percent; the last two are the
percent of the machine's CPU time in training stolen by the hypervisor and
used by other processes, so that minutes can be compared),
``docs/results/<dataset>_per_image.csv`` (columns ``method,seed,
protocol,id,dice``: every test image of every run, for the paired
comparison of FGI against each method on the same images),
``docs/results/<dataset>.md`` and ``docs/results/<dataset>_dice.png``;
runs under
``work_dirs/benchmark/<dataset>/<method>/seed<k>`` (``<dataset>-<protocol>``
for a protocol other than ``cpu_fast``). ``--protocol cpu_mini`` reruns
the earlier fp32 protocol (see ``PROTOCOL_OPTIONS``).

A config with an ``nnunet`` key (``nnunet_gaze``, ``nnunet_full``) is run
by ``tools/misc/train_nnunet.py`` (nnunetv2 trains, predicts and is scored
with our metric; its final checkpoint, see :mod:`fgi_mmseg.nnunet.run`)
instead of ``tools/train.py`` and ``tools/test.py``.

This tool runs the trainings and tests; the CSV files, the statistics and
the tables and plot are :mod:`fgi_mmseg.evaluation.benchmark`.
"""
import argparse
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Dict, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmengine.config import Config  # noqa: E402

from fgi_mmseg.engine.config_derivation import (STUDENT_TEST,  # noqa: E402
                                                 is_two_stage)
from fgi_mmseg.engine.runners.two_stage_runner import (  # noqa: E402
    stage_done_file, student_test_file)
from fgi_mmseg.evaluation.benchmark import (  # noqa: E402
    DEFAULT_PROTOCOL, METRICS, PAIRED_REFERENCES, append_row, append_val_row,
    markdown_table, method_rank, paired_table, plot_dice, put_per_image,
    read_case_dice, read_per_image, read_rows, read_val_rows, val_table)
from fgi_mmseg.evaluation.outputs import (metrics_file,  # noqa: E402
                                          per_image_file)
from fgi_mmseg.utils.cpu_load import (CpuShare, cpu_share,  # noqa: E402
                                       cpu_snapshot)
from fgi_mmseg.utils.io import write_bytes_atomic  # noqa: E402
from fgi_mmseg.utils.machine import machine_description  # noqa: E402

# Options that turn the benchmark configs (cpu_fast) into an earlier
# protocol, so that its rows can be reproduced: cpu_mini is the same
# schedule in fp32, NCHW, the plain (unfused) optimiser kernel, with 2
# persistent dataloader workers.
_WORKERS = [f'{loader}.{key}={value}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')
            for key, value in (('num_workers', 2),
                               ('persistent_workers', True))]
PROTOCOL_OPTIONS = dict(
    cpu_mini=['optim_wrapper.dtype=float32', 'custom_hooks=[]',
              'optim_wrapper.optimizer.fused=False'] + _WORKERS)


def _best_val(checkpoint: str) -> Optional[float]:
    """The validation Dice stored with a best checkpoint."""
    import torch

    import fgi_mmseg  # noqa: F401  (checkpoint loading on torch >= 2.6)
    from mmengine.runner.checkpoint import _load_checkpoint
    ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    info = ckpt.get('message_hub', {}).get('runtime_info', {})
    score = info.get('best_score')
    return float(score) if isinstance(score, (int, float, torch.Tensor)) \
        else None


def _run(cmd: List[str], log: str) -> None:
    """Run ``cmd``, appending its output to ``log``.

    If this process is interrupted (Ctrl-C, or SIGTERM turned into one by
    :func:`_interrupt_on_sigterm`), the child is asked to stop with SIGTERM
    and waited for, so no orphaned training keeps the cores, and the
    caller's ``finally`` still records the training time.
    """
    print('  $ ' + ' '.join(cmd), flush=True)
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'a') as f:
        proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT,
            env=child_environment())
        try:
            returncode = proc.wait()
        except BaseException:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            raise
    if returncode:
        raise RuntimeError(f'{cmd[1]} failed (exit {returncode}); '
                           f'see {log}')


def child_environment() -> Dict[str, str]:
    """This environment, with this checkout first on ``PYTHONPATH``.

    ``tools/train.py`` puts only ``tools/`` on the path, so a child would
    import ``fgi_mmseg`` from wherever it is installed: with an editable
    install of the main checkout, a benchmark run from a worktree of a fixed
    commit would train the main checkout's code under the worktree's
    commit.
    """
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO, env.get('PYTHONPATH')) if p)
    return env


def _interrupt_on_sigterm() -> None:
    """Make SIGTERM (``kill PID``) unwind like Ctrl-C, running ``finally``."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f'signal {signum}')

    signal.signal(signal.SIGTERM, handler)


def _is_two_stage(config: str) -> bool:
    """Whether ``config`` runs FGI's teacher and student in one command.

    The merged config is read (``runner_type`` may come from a ``_base_``
    file): a text search of the file itself missed inherited study configs
    and let their runs test the student.
    """
    return is_two_stage(Config.fromfile(config))


def _is_nnunet(config: str) -> bool:
    """Whether ``config`` is an nnU-Net run (``tools/misc/train_nnunet.py``
    trains and tests it, outside mmengine's runner)."""
    return 'nnunet' in Config.fromfile(config)


def _nnunet_result(work_dir: str, split: str) -> dict:
    """The recorded metrics of an nnU-Net run's ``split``."""
    with open(metrics_file(osp.join(work_dir, split))) as f:
        return json.load(f)


def _result_file(work_dir: str, two_stage: bool) -> str:
    """Where a run's test metrics (and tested checkpoint) are recorded."""
    if two_stage:
        return student_test_file(work_dir)
    return metrics_file(osp.join(work_dir, 'test'))


def _train(config: str, work_dir: str, options: Sequence[str]) -> dict:
    """Train (resuming) one run; return its ``train_minutes``, and the
    ``cpu_steal`` and ``cpu_others`` percentages of the machine's CPU time
    in it (:mod:`fgi_mmseg.utils.cpu_load`), each summed over every
    interrupted and resumed invocation. The percentages are empty where the
    system has no CPU counters, or for a run whose earlier invocations did
    not record them.

    nnU-Net runs go through ``tools/misc/train_nnunet.py``, which resumes
    by itself and also predicts and scores the val and test splits (its
    minutes include those, less than a minute)."""
    if _is_nnunet(config):
        train = [sys.executable, 'tools/misc/train_nnunet.py', config,
                 '--work-dir', work_dir]
    else:
        train = [sys.executable, 'tools/train.py', config, '--work-dir',
                 work_dir]
        if glob.glob(osp.join(work_dir, '**', 'last_checkpoint'),
                     recursive=True):
            train.append('--resume')
    timer = osp.join(work_dir, 'benchmark_time.json')
    record = json.load(open(timer)) if osp.exists(timer) \
        else dict(train_minutes=0.0, cpu=asdict(CpuShare()))
    start, before = time.time(), cpu_snapshot()
    try:
        _run(train + list(options), osp.join(work_dir, 'benchmark.log'))
    finally:
        record['train_minutes'] += (time.time() - start) / 60
        share = cpu_share(before, cpu_snapshot())
        # One invocation without counters leaves the whole run without.
        record['cpu'] = None if share is None or record.get('cpu') is None \
            else asdict(CpuShare(**record['cpu']) + share)
        write_bytes_atomic(timer, json.dumps(record).encode())
    # No counters: an empty share, whose percentages are empty cells.
    cells = CpuShare(**(record['cpu'] or {})).percent()
    return dict(train_minutes=f'{record["train_minutes"]:.1f}', **cells)


def run_one(config: str, seed: int, work_dir: str,
            extra: Sequence[str]) -> dict:
    """Train (resuming) and test one method with one seed."""
    py = sys.executable
    if _is_nnunet(config):
        return _run_one_nnunet(config, seed, work_dir, extra)
    two_stage = _is_two_stage(config)
    options = ['--cfg-options', f'randomness.seed={seed}', *extra]
    # The two-stage runner tests the student itself, so the per-image
    # file has to be asked of its test evaluator.
    cases_file = osp.abspath(per_image_file(
        osp.join(work_dir, STUDENT_TEST if two_stage else 'test')))
    train_options = options + [f'test_evaluator.output_file={cases_file}'] \
        if two_stage else options
    timing = _train(config, work_dir, train_options)
    result_file = _result_file(work_dir, two_stage)
    if not two_stage:
        best = sorted(glob.glob(osp.join(work_dir, 'best_Dice_iter_*.pth')))
        if not best:
            raise RuntimeError(f'{work_dir}: no best_Dice_iter_*.pth; does '
                               'the config select on validation Dice?')
        _run([py, 'tools/test.py', config, best[-1], '--work-dir',
              osp.join(work_dir, 'test'), '--out', osp.dirname(cases_file),
              *options], osp.join(work_dir, 'benchmark.log'))
    with open(result_file) as f:
        result = json.load(f)
    metrics = result['metrics']
    row = dict(val_dice=_best_val(result['checkpoint']),
               cases=read_case_dice(cases_file), **timing)
    for column, key in METRICS:
        row[column] = metrics[key]
    return row


def _run_one_nnunet(config: str, seed: int, work_dir: str,
                    extra: Sequence[str]) -> dict:
    """Train and test nnU-Net with one seed: its final checkpoint, with
    the val column from the same checkpoint (fgi_mmseg/nnunet/run.py)."""
    options = ['--cfg-options', f'randomness.seed={seed}', *extra]
    timing = _train(config, work_dir, options)
    metrics = _nnunet_result(work_dir, 'test')['metrics']
    row = dict(val_dice=_nnunet_result(work_dir, 'val')['metrics']['Dice'],
               cases=read_case_dice(per_image_file(
                   osp.join(work_dir, 'test'))), **timing)
    for column, key in METRICS:
        row[column] = metrics[key]
    return row


def _stage_best_val(work_dir: str, stage: str) -> Optional[float]:
    """Validation Dice of a finished stage's best checkpoint."""
    with open(stage_done_file(work_dir, stage)) as f:
        return _best_val(json.load(f)['best_checkpoint'])


def run_one_val(config: str, seed: int, work_dir: str,
                extra: Sequence[str]) -> dict:
    """Train (resuming) one method with one seed; validation Dice only.

    Nothing is tested: a two-stage run is told ``test_student=False``, so
    a study that chooses on the validation split never sees the test
    split. Two-stage runs also report their teacher's validation Dice.
    """
    if _is_nnunet(config):
        raise SystemExit(f'{config}: nnU-Net runs are trained and tested '
                         'together; --val-only does not apply')
    two_stage = _is_two_stage(config)
    options = ['--cfg-options', f'randomness.seed={seed}', *extra]
    if two_stage:
        options.append('test_student=False')
    row = _train(config, work_dir, options)
    if two_stage:
        row['val_dice'] = _stage_best_val(work_dir, 'student')
        row['teacher_val_dice'] = _stage_best_val(work_dir, 'teacher')
    else:
        best = sorted(glob.glob(osp.join(work_dir, 'best_Dice_iter_*.pth')))
        if not best:
            raise RuntimeError(f'{work_dir}: no best_Dice_iter_*.pth; does '
                               'the config select on validation Dice?')
        row['val_dice'] = _best_val(best[-1])
    return row


def source_commit(out_dir: Optional[str] = None) -> str:
    """The checked-out commit of this repository, ``-dirty`` if tracked
    files differ from it (a row's code is then not that commit's).

    Files under ``out_dir`` do not count: they are the benchmark's own
    results, which a worktree of a fixed commit gathers run by run.
    """
    def git(*args):
        return subprocess.run(['git', '-C', REPO, *args], check=True,
                              capture_output=True, text=True).stdout.strip()
    results = None if out_dir is None else osp.relpath(
        osp.abspath(out_dir), REPO)
    excluded = [] if results is None or results.startswith(os.pardir) \
        else ['--', '.', f':(exclude){results}']
    try:
        commit = git('rev-parse', '--short', 'HEAD')
        dirty = git('status', '--porcelain', '--untracked-files=no',
                    *excluded)
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return commit + ('-dirty' if dirty else '')


def retest_cases(config: str, seed: int, work_dir: str, dice: float,
                 extra: Sequence[str]) -> List[tuple]:
    """Per-image Dice of a finished run, by testing its checkpoint again.

    For runs finished before the benchmark kept per-image rows. The
    checkpoint is the one the run's ``test_metrics.json`` records; the new
    test must reproduce the run's mean Dice (``dice``), otherwise the cases
    would not belong to the CSV's row and nothing is returned.
    """
    if _is_nnunet(config):
        raise RuntimeError('nnU-Net runs keep their per-image rows from '
                           'the start; there is nothing to re-test')
    result_file = _result_file(work_dir, _is_two_stage(config))
    if not osp.isfile(result_file):
        raise FileNotFoundError(f'{result_file}: not found; the run of '
                                f'{config} seed {seed} has no test result')
    with open(result_file) as f:
        checkpoint = json.load(f)['checkpoint']
    out = osp.join(work_dir, 'per_image_test')
    _run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
          out, '--out', out, '--cfg-options', f'randomness.seed={seed}',
          *extra], osp.join(work_dir, 'benchmark.log'))
    with open(metrics_file(out)) as f:
        retested = json.load(f)['metrics']['Dice']
    if abs(retested - dice) > 1e-6:
        raise RuntimeError(
            f'{checkpoint}: re-tested Dice {retested:.6f} differs from the '
            f'recorded {dice:.6f}; its per-image rows are not stored')
    return read_case_dice(per_image_file(out))


def _method_and_config(spec: str) -> tuple:
    """``METHOD=CONFIG`` or ``CONFIG`` (the method is the file stem)."""
    method, sep, config = spec.partition('=')
    if not sep:
        method, config = osp.splitext(osp.basename(spec))[0], spec
    if not osp.isfile(config):
        raise SystemExit(f'--configs {spec}: no config file {config}')
    return method, config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dataset', help='name: configs/benchmark/<dataset>/')
    parser.add_argument('--configs', nargs='+',
                        help='method configs, CONFIG (method = file stem) or '
                        'METHOD=CONFIG (default: every .py in '
                        'configs/benchmark/<dataset>/)')
    parser.add_argument('--methods', nargs='+',
                        help='only these methods (file stems)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--protocol', default=DEFAULT_PROTOCOL,
                        help='label of the protocol column; runs of another '
                        'protocol than the default go under '
                        '<work-root>/<dataset>-<protocol>/')
    parser.add_argument('--work-root', default='work_dirs/benchmark')
    parser.add_argument('--out-dir', default='docs/results')
    parser.add_argument('--report-only', action='store_true',
                        help='rebuild table and plot from the CSV only')
    parser.add_argument('--backfill-per-image', action='store_true',
                        help='re-test finished runs (of --methods and '
                        '--protocol) that have no per-image rows yet')
    parser.add_argument('--val-only', action='store_true',
                        help='train and record validation Dice only (no '
                        'test): <out-dir>/<dataset>_val.csv and .md, for '
                        'choices made on the validation split')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra key=value options for every run')
    return parser.parse_args()


def backfill(args: argparse.Namespace, methods: Dict[str, str],
             csv_path: str, cases_path: str, run_group: str) -> None:
    """Store per-image rows of finished runs that lack them.

    A run that cannot be re-tested, or whose re-test does not reproduce its
    Dice, is reported at the end and does not stop the others.
    """
    have = {(r['method'], r['seed'], r['protocol'])
            for r in read_per_image(cases_path)}
    failed = []
    for row in read_rows(csv_path):
        run = (row['method'], row['seed'],
               row.get('protocol') or DEFAULT_PROTOCOL)
        if run[2] != args.protocol or run[0] not in methods or run in have:
            continue
        method, seed = row['method'], int(row['seed'])
        print(f'{method} seed {seed}: re-testing for per-image rows',
              flush=True)
        try:
            cases = retest_cases(
                methods[method], seed,
                osp.join(args.work_root, run_group, method, f'seed{seed}'),
                float(row['dice']), args.cfg_options)
        except (OSError, RuntimeError) as error:
            print(f'{method} seed {seed}: {error}', flush=True)
            failed.append(f'{method} seed {seed}: {error}')
            continue
        put_per_image(cases_path, method, seed, args.protocol, cases)
    if failed:
        raise SystemExit('no per-image rows for:\n' + '\n'.join(failed))


def val_study(args: argparse.Namespace, methods: Dict[str, str],
              run_group: str) -> None:
    """Validation-only runs of every method (in the given order) and seed,
    appended to ``<dataset>_val.csv`` as they finish, with the commit."""
    path = osp.join(args.out_dir, f'{args.dataset}_val.csv')
    commit, machine = source_commit(args.out_dir), machine_description()
    for seed in args.seeds:
        for method, config in methods.items():
            done = {(r['method'], int(r['seed']), r['protocol'])
                    for r in read_val_rows(path)}
            if (method, seed, args.protocol) in done:
                print(f'{method} seed {seed}: in {path}, skipped')
                continue
            print(f'{method} seed {seed}: training (validation only)',
                  flush=True)
            work_dir = osp.join(args.work_root, run_group, method,
                                f'seed{seed}')
            row = run_one_val(config, seed, work_dir, args.cfg_options)
            row.update(method=method, seed=seed, protocol=args.protocol,
                       commit=commit, machine=machine)
            append_val_row(path, row)
            print(f'{method} seed {seed}: val Dice {row["val_dice"]} '
                  f'(teacher {row.get("teacher_val_dice", "-")}), '
                  f'{row["train_minutes"]} min', flush=True)
    table = val_table(read_val_rows(path), args.dataset)
    write_bytes_atomic(osp.join(args.out_dir, f'{args.dataset}_val.md'),
                       table.encode())
    print(table)


def main() -> None:
    args = parse_args()
    _interrupt_on_sigterm()
    os.chdir(REPO)
    csv_path = osp.join(args.out_dir, f'{args.dataset}.csv')
    cases_path = osp.join(args.out_dir, f'{args.dataset}_per_image.csv')
    configs = args.configs or sorted(
        glob.glob(f'configs/benchmark/{args.dataset}/*.py'))
    if not args.report_only and not configs:
        raise SystemExit(f'no configs under configs/benchmark/'
                         f'{args.dataset}/ and none given')
    methods = dict(_method_and_config(c) for c in configs)
    if args.methods:
        unknown = set(args.methods) - set(methods)
        if unknown:
            raise SystemExit(f'unknown methods {sorted(unknown)}; known: '
                             f'{sorted(methods)}')
        methods = {m: methods[m] for m in args.methods}
    args.cfg_options = PROTOCOL_OPTIONS.get(args.protocol, []) + \
        args.cfg_options
    run_group = args.dataset if args.protocol == DEFAULT_PROTOCOL \
        else f'{args.dataset}-{args.protocol}'
    if args.val_only:
        if args.report_only or args.backfill_per_image:
            raise SystemExit('--val-only trains; it does not combine with '
                             '--report-only or --backfill-per-image')
        return val_study(args, methods, run_group)
    if args.backfill_per_image:
        backfill(args, methods, csv_path, cases_path, run_group)
    elif not args.report_only:
        commit, machine = source_commit(args.out_dir), machine_description()
        order = sorted(methods, key=method_rank)
        for seed in args.seeds:  # seeds outer: every method gets seed 0
            for method in order:
                done = {(r['method'], int(r['seed']),
                         r.get('protocol') or DEFAULT_PROTOCOL)
                        for r in read_rows(csv_path)}
                if (method, seed, args.protocol) in done:
                    print(f'{method} seed {seed}: in {csv_path}, skipped')
                    continue
                print(f'{method} seed {seed}: training', flush=True)
                work_dir = osp.join(args.work_root, run_group, method,
                                    f'seed{seed}')
                row = run_one(methods[method], seed, work_dir,
                              args.cfg_options)
                row.update(method=method, seed=seed, protocol=args.protocol,
                           commit=commit, machine=machine)
                # Cases first: a rerun after a stop in between replaces
                # them, while the summary row is what marks the run done.
                cases = row.pop('cases', None)
                if cases:
                    put_per_image(cases_path, method, seed, args.protocol,
                                  cases)
                append_row(csv_path, row)
                print(f'{method} seed {seed}: Dice {row["dice"]:.2f} '
                      f'(val {row["val_dice"]}), {row["train_minutes"]} min',
                      flush=True)
    rows = read_rows(csv_path)
    if not rows:
        raise SystemExit(f'{csv_path}: no results yet')
    table = markdown_table(rows, args.dataset)
    per_image = read_per_image(cases_path)
    for reference in PAIRED_REFERENCES:
        paired = paired_table(per_image, args.dataset, reference)
        if paired:
            table += '\n' + paired
    write_bytes_atomic(osp.join(args.out_dir, f'{args.dataset}.md'),
                       table.encode())
    plot_dice(rows, args.dataset,
              osp.join(args.out_dir, f'{args.dataset}_dice.png'))
    print(table)


if __name__ == '__main__':
    main()
