"""Train a segmentor: ``python tools/train.py CONFIG [--resume] ...``.

The flags are mmsegmentation's. On a machine without GPUs, ``--launcher
pytorch`` (see ``tools/dist_train.sh``) trains over gloo.
"""
import argparse
import logging
import os

from mmengine.config import DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner
from mmseg.registry import RUNNERS

import fgi_mmseg  # noqa: F401  (registers modules, checkpoint loading)
from fgi_mmseg.engine import resolve_resume
from fgi_mmseg.engine.config_derivation import prepare_config
from fgi_mmseg.utils.cli import run_tool


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the latest checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (see mmseg tools)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    cfg = prepare_config(args.config, args.work_dir, args.cfg_options,
                         args.launcher)
    if args.amp:
        if cfg.optim_wrapper.type == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.',
                      logger='current', level=logging.WARNING)
        else:
            assert cfg.optim_wrapper.type == 'OptimWrapper', \
                '--amp needs optim_wrapper.type OptimWrapper, got ' \
                f'{cfg.optim_wrapper.type}'
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    cfg.resume = args.resume
    # The newest complete checkpoint, even if last_checkpoint is stale.
    resolve_resume(cfg)

    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    run_tool(main)
