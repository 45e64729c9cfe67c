"""The training loop's cost outside the model: data, hooks, logging.

Runs a config's real mmengine training loop (its dataloader, cached
pipeline, hooks, logger and optimiser wrapper) for a few hundred
iterations and times, per iteration, the whole iteration and the model's
``train_step`` inside it; the difference is the loop's overhead. The first
``--skip`` iterations are left out: they fill the pipeline's cache (the
first epoch decodes every image). Two models run in the same process: a
tiny one (widths 2, so the overhead dominates) and the config's own.

``--stage teacher`` times a two-stage config's teacher stage (the student
stage needs a trained teacher), with the config's model only.
``--allocator glibc`` drops the config's ``RetainFreedMemoryHook`` (the
allocator setting is process-wide, so an A/B takes two processes: run
both in turn, A B A B).

Example::

    python tools/analysis/speed_loop.py configs/benchmark/kvasir/unet_gaze.py
    python tools/analysis/speed_loop.py configs/benchmark/kvasir/fgi.py \\
        --stage teacher --allocator glibc
"""
import argparse
import copy
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import fgi_mmseg  # noqa: F401,E402
from fgi_mmseg.engine.config_derivation import (is_two_stage,  # noqa: E402
                                                 prepare_config, stage_config)


class IterationTimer(Hook):
    """Wall time of whole iterations, and of ``train_step`` within them."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.iterations: List[float] = []
        self.steps: List[float] = []
        self._last = None

    def before_train(self, runner) -> None:
        step = runner.model.train_step

        def timed(*args, **kwargs):
            start = time.perf_counter()
            out = step(*args, **kwargs)
            self.steps.append(time.perf_counter() - start)
            return out

        runner.model.train_step = timed

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.iterations.append(now - self._last)
        self._last = now


def tiny(model: dict) -> dict:
    """The config's model at widths 2 (UNetEncoder/UNetHead configs)."""
    model = copy.deepcopy(model)
    widths = [2] * len(model['backbone']['widths'])
    model['backbone']['widths'] = widths
    model['decode_head']['in_channels'] = widths
    return model


def run(cfg, iters: int, skip: int) -> Dict[str, float]:
    cfg = copy.deepcopy(cfg)
    cfg.train_cfg.update(max_iters=iters, val_interval=iters + 1)
    cfg.default_hooks.checkpoint.update(interval=iters + 1, save_last=False)
    cfg.default_hooks.logger.interval = 50
    cfg.param_scheduler = [s for s in cfg.param_scheduler
                           if s.get('end', 0) <= iters] or None
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.log_level = 'WARNING'
    timer = IterationTimer()
    runner = Runner.from_cfg(cfg)
    runner.register_hook(timer)
    runner.train()
    # iterations[k] ends at iteration k + 1; steps[k] is iteration k.
    total = statistics.median(timer.iterations[skip:])
    step = statistics.median(timer.steps[skip + 1:])
    return dict(iteration=total * 1000, step=step * 1000,
                overhead=(total - step) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--skip', type=int, default=120,
                        help='first iterations left out (cache filling)')
    parser.add_argument('--stage', choices=('teacher', ),
                        help='a two-stage config\'s teacher stage')
    parser.add_argument('--allocator', choices=('config', 'glibc'),
                        default='config',
                        help='glibc: without RetainFreedMemoryHook')
    args = parser.parse_args()
    if args.iters <= args.skip + 10:
        raise SystemExit('--iters must exceed --skip by more than 10')
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = prepare_config(args.config, work_dir)
        if is_two_stage(cfg) != bool(args.stage):
            raise SystemExit(f'{args.config}: --stage teacher is for two-'
                             f'stage configs, and they need it')
        if args.stage:
            cfg = stage_config(cfg, args.stage)
            cfg.work_dir = work_dir
        if args.allocator == 'glibc':
            cfg.custom_hooks = [h for h in cfg.get('custom_hooks') or []
                                if h['type'] != 'RetainFreedMemoryHook']
        models = [('config', cfg.model)]
        if not args.stage:
            models.insert(0, ('tiny (widths 2)', tiny(cfg.model)))
        results = {}
        for name, model in models:
            run_cfg = copy.deepcopy(cfg)
            run_cfg.model = model
            results[name] = run(run_cfg, args.iters, args.skip)
    print(f'{args.config}: medians over iterations {args.skip + 1}-'
          f'{args.iters} (ms)')
    print(f'  {"model":<18s} {"iteration":>10s} {"train_step":>11s} '
          f'{"overhead":>9s}')
    for name, r in results.items():
        print(f'  {name:<18s} {r["iteration"]:10.2f} {r["step"]:11.2f} '
              f'{r["overhead"]:9.2f}')
    if 'tiny (widths 2)' in results:
        share = results['tiny (widths 2)']['overhead'] / \
            results['config']['step']
        print(f'loop overhead (tiny model) / the config\'s train_step: '
              f'{100 * share:.1f} % (target < 5 %)')


if __name__ == '__main__':
    main()
