"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [...]``.

Prints the test metrics as a table at the end (Dice/IoU/HD95/ASD for
:class:`fgi_mmseg.evaluation.MedicalSegMetric`).
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.runner import Runner

import fgi_mmseg  # noqa: F401  (registers modules, checkpoint loading)
from fgi_mmseg.evaluation import format_metrics
from fgi_mmseg.utils import write_json_atomic
from fgi_mmseg.utils import prepare_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a '
                                     'segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='dir for logs and metric json')
    parser.add_argument(
        '--out', help='dir for the per-image metrics (per_image.csv)')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='dir where painted predictions are saved')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
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
    parser.add_argument(
        '--tta', action='store_true', help='test time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    cfg = prepare_config(args.config, args.work_dir, args.cfg_options,
                         args.launcher)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        hook = cfg.default_hooks.get('visualization')
        if hook is None:
            raise RuntimeError('--show/--show-dir need a VisualizationHook '
                               'in default_hooks')
        hook['draw'] = True
        if args.show:
            hook['show'] = True
            hook['wait_time'] = args.wait_time
        if args.show_dir:
            cfg.visualizer['save_dir'] = args.show_dir
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_file'] = osp.join(args.out,
                                                     'per_image.csv')

    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if runner.rank == 0:
        write_json_atomic(
            osp.join(cfg.work_dir, 'test_metrics.json'),
            dict(config=args.config, checkpoint=args.checkpoint,
                 metrics=metrics))
        print(format_metrics(metrics, title=f'Test metrics: {args.config}'))


if __name__ == '__main__':
    main()
