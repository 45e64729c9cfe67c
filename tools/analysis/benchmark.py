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
seed,dice,iou,hd95,asd,val_dice,train_minutes,protocol``; Dice and IoU in
percent), ``docs/results/<dataset>_per_image.csv`` (columns ``method,seed,
protocol,id,dice``: every test image of every run, for the paired
comparison of FGI against each method on the same images),
``docs/results/<dataset>.md`` and ``docs/results/<dataset>_dice.png``;
runs under
``work_dirs/benchmark/<dataset>/<method>/seed<k>`` (``<dataset>-<protocol>``
for a protocol other than ``cpu_fast``). ``--protocol cpu_mini`` reruns
the earlier fp32 protocol (see ``PROTOCOL_OPTIONS``).
"""
import argparse
import csv
import glob
import io
import json
import os
import os.path as osp
import signal
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from fgi_mmseg.utils.io import atomic_write as _atomic_write  # noqa: E402

DEFAULT_PROTOCOL = 'cpu_fast'
# Options that turn the benchmark configs (cpu_fast) into an earlier
# protocol, so that its rows can be reproduced: cpu_mini is the same
# schedule in fp32, NCHW, with 2 persistent dataloader workers.
_WORKERS = [f'{loader}.{key}={value}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')
            for key, value in (('num_workers', 2),
                               ('persistent_workers', True))]
PROTOCOL_OPTIONS = dict(
    cpu_mini=['optim_wrapper.dtype=float32', 'custom_hooks=[]'] + _WORKERS)
COLUMNS = ('method', 'seed', 'dice', 'iou', 'hd95', 'asd', 'val_dice',
           'train_minutes', 'protocol')
# Validation-only studies (--val-only): no test metrics.
VAL_COLUMNS = ('method', 'seed', 'protocol', 'val_dice', 'teacher_val_dice',
               'train_minutes', 'commit')
PER_IMAGE_COLUMNS = ('method', 'seed', 'protocol', 'id', 'dice')
METRICS = (('dice', 'Dice'), ('iou', 'IoU'), ('hd95', 'HD95'),
           ('asd', 'ASD'))
# Table order: the paper's (baselines, then FGI, then the upper bound).
ORDER = ('unet_gaze', 'transunet_gaze', 'gazemedseg', 'fgi', 'unet_full')
LABELS = dict(
    unet_gaze='UNet (gaze)',
    transunet_gaze='TransUNet (gaze)',
    gazemedseg='GazeMedSeg (gaze)',
    fgi='FGI (gaze + text)',
    unet_full='UNet (full masks)')


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating its folder."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    _atomic_write(path, lambda f: f.write(data))


def _read_csv(path: str, required: Sequence[str],
              expected: str) -> List[dict]:
    """Rows of a CSV that must have the ``required`` columns."""
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        missing = set(required) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f'{path}: missing columns {sorted(missing)}; '
                             f'expected {expected}')
        return list(reader)


def _write_csv(path: str, columns: Sequence[str],
               rows: Sequence[dict]) -> None:
    """Write ``rows`` (absent columns left empty) atomically."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator='\n')
    writer.writeheader()
    for r in rows:
        writer.writerow({k: r.get(k, '') for k in columns})
    atomic_write(path, buf.getvalue().encode())


def read_rows(path: str) -> List[dict]:
    """Rows of a results CSV (an absent file has none)."""
    if not osp.exists(path):
        return []
    return _read_csv(path, COLUMNS[:6], ','.join(COLUMNS))


def append_row(path: str, row: dict) -> None:
    """Add one row, rewriting the whole CSV atomically."""
    _write_csv(path, COLUMNS, read_rows(path) + [row])


def read_case_dice(path: str) -> List[tuple]:
    """``(id, dice)`` of a ``per_image.csv`` written by the test metric."""
    rows = _read_csv(path, ('id', 'dice'),
                     'the per-image CSV of MedicalSegMetric')
    return [(r['id'], float(r['dice'])) for r in rows]


def read_per_image(path: str) -> List[dict]:
    """Rows of a per-image results CSV (an absent file has none)."""
    if not osp.exists(path):
        return []
    return _read_csv(path, PER_IMAGE_COLUMNS, ','.join(PER_IMAGE_COLUMNS))


def put_per_image(path: str, method: str, seed: int, protocol: str,
                  cases: Sequence[tuple]) -> None:
    """Store one run's ``(id, dice)`` cases, replacing any earlier ones
    of the same run, and rewrite the CSV atomically."""
    run = (method, str(seed), protocol)
    rows = [r for r in read_per_image(path)
            if (r['method'], r['seed'], r['protocol']) != run]
    rows += [dict(method=method, seed=seed, protocol=protocol, id=case_id,
                  dice=dice) for case_id, dice in cases]
    _write_csv(path, PER_IMAGE_COLUMNS, rows)


def paired_differences(rows: Sequence[dict], reference: str = 'fgi',
                       protocol: str = DEFAULT_PROTOCOL) -> List[dict]:
    """Per-image Dice of ``reference`` minus each other method.

    Methods are compared on the seeds both have. For each test image the
    difference is averaged over those seeds; the mean of these over the
    images, its standard error across images and a normal 95% interval
    are returned. Pairing on the same images removes the image-to-image
    spread (per-image Dice std about 25) that dominates the error of an
    unpaired mean over 100 images.
    """
    dice: Dict[tuple, Dict[str, float]] = {}
    for r in rows:
        if r['protocol'] == protocol:
            dice.setdefault((r['method'], int(r['seed'])),
                            {})[r['id']] = float(r['dice'])
    methods = sorted({m for m, _ in dice if m != reference},
                     key=lambda m: (ORDER.index(m) if m in ORDER else
                                    len(ORDER), m))
    result = []
    for method in methods:
        seeds = sorted(s for m, s in dice if m == reference
                       and (method, s) in dice)
        if not seeds:
            continue
        per_case: Dict[str, List[float]] = {}
        for seed in seeds:
            ref, other = dice[(reference, seed)], dice[(method, seed)]
            if set(ref) != set(other):
                raise ValueError(
                    f'{reference} and {method} (seed {seed}, {protocol}) '
                    'were tested on different images: '
                    f'{sorted(set(ref) ^ set(other))[:5]}')
            for case_id, value in ref.items():
                per_case.setdefault(case_id, []).append(value -
                                                        other[case_id])
        diffs = [statistics.fmean(v) for v in per_case.values()]
        mean = statistics.fmean(diffs)
        se = statistics.stdev(diffs) / len(diffs)**0.5 \
            if len(diffs) > 1 else float('nan')
        result.append(dict(
            method=method, seeds=seeds, images=len(diffs), mean=mean, se=se,
            low=mean - 1.96 * se, high=mean + 1.96 * se,
            higher=sum(d > 0 for d in diffs), lower=sum(d < 0 for d in diffs)))
    return result


def paired_table(rows: Sequence[dict], dataset: str,
                 reference: str = 'fgi') -> str:
    """Markdown table of :func:`paired_differences` for every protocol."""
    lines = []
    for protocol in sorted({r['protocol'] for r in rows}):
        for d in paired_differences(rows, reference, protocol):
            if not lines:
                lines = [
                    f'| {LABELS.get(reference, reference)} minus '
                    f'({dataset}, per image) | protocol | seeds | images '
                    '| Δ Dice (mean ± SE) | 95% interval '
                    '| images higher / lower |',
                    '|---|---|---|---|---|---|---|'
                ]
            lines.append(
                f'| {LABELS.get(d["method"], d["method"])} | {protocol} | '
                f'{",".join(map(str, d["seeds"]))} | {d["images"]} | '
                f'{d["mean"]:+.2f} ± {d["se"]:.2f} | '
                f'[{d["low"]:+.2f}, {d["high"]:+.2f}] | '
                f'{d["higher"]} / {d["lower"]} |')
    return '\n'.join(lines) + '\n' if lines else ''


def _mean_std(values: Sequence[float]) -> str:
    if not values:
        return '-'
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f'{mean:.2f}'
    return f'{mean:.2f} ± {statistics.stdev(values):.2f}'


def _float(value: str) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN: undefined


def summarise(rows: Sequence[dict]) -> Dict[tuple, Dict[str, List[float]]]:
    """Metric values per (protocol, method)."""
    groups: Dict[tuple, Dict[str, List[float]]] = {}
    for row in rows:
        key = (row.get('protocol') or DEFAULT_PROTOCOL, row['method'])
        group = groups.setdefault(key, {k: [] for k in
                                        ('seed', 'val_dice') +
                                        tuple(m for m, _ in METRICS)})
        for name in group:
            value = _float(row.get(name))
            if value is not None:
                group[name].append(value)
    return groups


def markdown_table(rows: Sequence[dict], dataset: str) -> str:
    """Per-method mean +- std over seeds, the paper's table layout."""
    groups = summarise(rows)
    lines = [
        f'| method ({dataset}) | protocol | seeds | val Dice | Dice (%) '
        '| IoU (%) | HD95 (px) | ASD (px) |',
        '|---|---|---|---|---|---|---|---|'
    ]

    def rank(key):
        protocol, method = key
        return (protocol, ORDER.index(method) if method in ORDER else
                len(ORDER), method)

    for key in sorted(groups, key=rank):
        protocol, method = key
        g = groups[key]
        cells = [_mean_std(g[m]) for m, _ in METRICS]
        lines.append(f'| {LABELS.get(method, method)} | {protocol} | '
                     f'{len(g["seed"])} | {_mean_std(g["val_dice"])} | ' +
                     ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def plot_dice(rows: Sequence[dict], dataset: str, path: str) -> None:
    """Dice per method: one dot per seed and the mean as a bar."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    groups = summarise(rows)
    keys = sorted(groups, key=lambda k: (k[0], ORDER.index(k[1])
                                         if k[1] in ORDER else len(ORDER)))
    fig, ax = plt.subplots(figsize=(1.4 * max(len(keys), 2) + 1, 3.2))
    for i, key in enumerate(keys):
        dice = groups[key]['dice']
        ax.bar(i, statistics.fmean(dice), color='#9ecae1', width=0.6)
        ax.scatter([i] * len(dice), dice, color='#08519c', s=12, zorder=3)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(
        [LABELS.get(m, m).replace(' (', '\n(') +
         ('' if p == DEFAULT_PROTOCOL else f'\n[{p}]') for p, m in keys],
        fontsize=7)
    ax.set_ylabel('test Dice (%)')
    ax.set_title(f'{dataset}: test Dice (dots: seeds)', fontsize=9)
    low = min((min(g['dice']) for g in groups.values()), default=0)
    ax.set_ylim(max(0, low - 10), 100)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=120)
    plt.close(fig)
    atomic_write(path, buf.getvalue())


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
            cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT)
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
    from mmengine.config import Config
    return Config.fromfile(config).get('runner_type') == 'TwoStageRunner'


def _result_file(work_dir: str, two_stage: bool) -> str:
    """Where a run's test metrics (and tested checkpoint) are recorded."""
    return osp.join(work_dir, 'student' if two_stage else 'test',
                    'test_metrics.json')


def _train(config: str, work_dir: str, options: Sequence[str]) -> float:
    """Train (resuming) one run; return its minutes summed over every
    interrupted and resumed invocation."""
    train = [sys.executable, 'tools/train.py', config, '--work-dir',
             work_dir]
    if glob.glob(osp.join(work_dir, '**', 'last_checkpoint'),
                 recursive=True):
        train.append('--resume')
    timer = osp.join(work_dir, 'benchmark_time.json')
    minutes = json.load(open(timer))['train_minutes'] \
        if osp.exists(timer) else 0.0
    start = time.time()
    try:
        _run(train + list(options), osp.join(work_dir, 'benchmark.log'))
    finally:
        minutes += (time.time() - start) / 60
        atomic_write(timer, json.dumps(dict(train_minutes=minutes)).encode())
    return minutes


def run_one(config: str, seed: int, work_dir: str,
            extra: Sequence[str]) -> dict:
    """Train (resuming) and test one method with one seed."""
    py = sys.executable
    two_stage = _is_two_stage(config)
    options = ['--cfg-options', f'randomness.seed={seed}', *extra]
    # The two-stage runner tests the student itself, so the per-image
    # file has to be asked of its test evaluator.
    cases_file = osp.abspath(osp.join(
        work_dir, 'student_test' if two_stage else 'test', 'per_image.csv'))
    train_options = options + [f'test_evaluator.output_file={cases_file}'] \
        if two_stage else options
    minutes = _train(config, work_dir, train_options)
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
               train_minutes=f'{minutes:.1f}',
               cases=read_case_dice(cases_file))
    for column, key in METRICS:
        row[column] = metrics[key]
    return row


def _stage_best_val(work_dir: str, stage: str) -> Optional[float]:
    """Validation Dice of a finished stage's best checkpoint."""
    with open(osp.join(work_dir, stage, 'stage_done.json')) as f:
        return _best_val(json.load(f)['best_checkpoint'])


def run_one_val(config: str, seed: int, work_dir: str,
                extra: Sequence[str]) -> dict:
    """Train (resuming) one method with one seed; validation Dice only.

    Nothing is tested: a two-stage run is told ``test_student=False``, so
    a study that chooses on the validation split never sees the test
    split. Two-stage runs also report their teacher's validation Dice.
    """
    two_stage = _is_two_stage(config)
    options = ['--cfg-options', f'randomness.seed={seed}', *extra]
    if two_stage:
        options.append('test_student=False')
    minutes = _train(config, work_dir, options)
    row = dict(train_minutes=f'{minutes:.1f}')
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


def read_val_rows(path: str) -> List[dict]:
    """Rows of a validation-only CSV (an absent file has none)."""
    if not osp.exists(path):
        return []
    return _read_csv(path, VAL_COLUMNS[:4], ','.join(VAL_COLUMNS))


def val_table(rows: Sequence[dict], dataset: str) -> str:
    """Markdown table of a validation-only study, in the CSV's order."""
    lines = [
        f'| method ({dataset}, validation) | protocol | seeds | teacher val '
        'Dice | val Dice | minutes | commit |', '|---|---|---|---|---|---|---|'
    ]
    groups: Dict[tuple, List[dict]] = {}
    for row in rows:
        groups.setdefault((row['method'], row['protocol']), []).append(row)
    for (method, protocol), group in groups.items():

        def values(key):
            return [v for v in (_float(r.get(key)) for r in group)
                    if v is not None]

        commits = ','.join(sorted({r.get('commit') or '?' for r in group}))
        lines.append(
            f'| {method} | {protocol} | '
            f'{",".join(r["seed"] for r in group)} | '
            f'{_mean_std(values("teacher_val_dice"))} | '
            f'{_mean_std(values("val_dice"))} | '
            f'{_mean_std(values("train_minutes"))} | {commits} |')
    return '\n'.join(lines) + '\n'


def source_commit() -> str:
    """The checked-out commit of this repository, ``-dirty`` if tracked
    files differ from it (a row's code is then not that commit's)."""
    def git(*args):
        return subprocess.run(['git', '-C', REPO, *args], check=True,
                              capture_output=True, text=True).stdout.strip()
    try:
        commit = git('rev-parse', '--short', 'HEAD')
        dirty = git('status', '--porcelain', '--untracked-files=no')
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
    with open(osp.join(out, 'test_metrics.json')) as f:
        retested = json.load(f)['metrics']['Dice']
    if abs(retested - dice) > 1e-6:
        raise RuntimeError(
            f'{checkpoint}: re-tested Dice {retested:.6f} differs from the '
            f'recorded {dice:.6f}; its per-image rows are not stored')
    return read_case_dice(osp.join(out, 'per_image.csv'))


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
    commit = source_commit()
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
                       commit=commit)
            _write_csv(path, VAL_COLUMNS, read_val_rows(path) + [row])
            print(f'{method} seed {seed}: val Dice {row["val_dice"]} '
                  f'(teacher {row.get("teacher_val_dice", "-")}), '
                  f'{row["train_minutes"]} min', flush=True)
    table = val_table(read_val_rows(path), args.dataset)
    atomic_write(osp.join(args.out_dir, f'{args.dataset}_val.md'),
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
        order = sorted(methods, key=lambda m: ORDER.index(m)
                       if m in ORDER else len(ORDER))
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
                row.update(method=method, seed=seed, protocol=args.protocol)
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
    paired = paired_table(read_per_image(cases_path), args.dataset)
    if paired:
        table += '\n' + paired
    atomic_write(osp.join(args.out_dir, f'{args.dataset}.md'),
                 table.encode())
    plot_dice(rows, args.dataset,
              osp.join(args.out_dir, f'{args.dataset}_dice.png'))
    print(table)


if __name__ == '__main__':
    main()
