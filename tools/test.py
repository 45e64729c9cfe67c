"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [...]``.

Prints the test metrics as a table at the end (Dice/IoU/HD95/ASD for
:class:`fgi_mmseg.evaluation.MedicalSegMetric`).

``--show-dir DIR`` writes one comparison panel per test case (the paper's
Figure 3, :class:`fgi_mmseg.engine.GazePanelHook`): image, ground truth,
gaze heatmap, this model's prediction and those of the ``--compare``
models, with the case's description under them::

    python tools/test.py configs/fgi/demo.py student.pth --show-dir panels \
        --show-name FGI \
        --compare "UNet, gaze" configs/baselines/unet_gaze_demo.py unet.pth
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction
from mmengine.runner import Runner

import fgi_mmseg  # noqa: F401  (registers modules, checkpoint loading)
from fgi_mmseg.engine.config_derivation import prepare_config
from fgi_mmseg.evaluation.outputs import (PER_IMAGE_FILE, keep_per_image,
                                          metrics_file, record_test)
from fgi_mmseg.utils.cli import run_tool
from fgi_mmseg.utils.errors import UserFacingError


class CheckpointMismatchError(UserFacingError, RuntimeError):
    """A checkpoint's weights do not match the config's model."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a '
                                     'segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='dir for logs and metric json')
    parser.add_argument(
        '--out', help=f'dir for the per-image metrics ({PER_IMAGE_FILE})')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='dir where one comparison panel per test case is saved '
        '(image, ground truth, gaze, predictions, description)')
    parser.add_argument(
        '--show-name',
        help='column title of the tested model in the panels (default: '
        'the config file name without extension)')
    parser.add_argument(
        '--compare',
        nargs=3,
        action='append',
        default=[],
        metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
        help='another model to draw as an extra panel column titled NAME '
        '(repeatable; needs --show-dir)')
    parser.add_argument(
        '--descriptions',
        help='descriptions.jsonl for the text row of the panels (default: '
        'descriptions.jsonl next to the dataset\'s heatmaps/embeddings, '
        'if any)')
    parser.add_argument(
        '--show-interval',
        type=int,
        default=1,
        help='draw a panel for every N-th test case')
    parser.add_argument(
        '--tile-height',
        type=int,
        default=256,
        help='display height of each panel tile in px (0: original size)')
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
    if args.compare and not args.show_dir:
        parser.error('--compare needs --show-dir')
    if args.compare and args.tta:
        parser.error('--compare cannot be combined with --tta')
    if args.descriptions and not osp.isfile(args.descriptions):
        parser.error(f'--descriptions: "{args.descriptions}" not found')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def add_panel_hook(cfg, args: argparse.Namespace) -> None:
    """Write panels with :class:`GazePanelHook` instead of mmseg's
    painted predictions (its ``SegVisualizationHook`` stays off unless
    ``--show`` asks for a window)."""
    hook = cfg.default_hooks.get('visualization')
    if hook is not None and not args.show:
        hook['draw'] = False
    name = args.show_name or osp.splitext(osp.basename(args.config))[0]
    panel = dict(
        type='GazePanelHook',
        out_dir=args.show_dir,
        name=name,
        compare=[
            dict(name=n, config=c, checkpoint=k) for n, c, k in args.compare
        ],
        tile_height=args.tile_height or None,
        interval=args.show_interval)
    if args.descriptions:
        panel['descriptions'] = args.descriptions
    cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [panel]


def load_strictly(runner: Runner, checkpoint: str, config: str) -> None:
    """Load the weights, refusing missing or unexpected keys: testing a
    partly random model (a teacher checkpoint for the student config)
    would report numbers of nothing."""
    try:
        runner.load_checkpoint(checkpoint, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[0:2]
        raise CheckpointMismatchError(
            f'{checkpoint}: does not fit the model of {config} '
            f'({" ".join(line.strip() for line in first)}); expected a '
            'checkpoint trained with this config') from err


def main() -> None:
    args = parse_args()
    cfg = prepare_config(args.config, args.work_dir, args.cfg_options,
                         args.launcher)
    cfg.load_from = args.checkpoint
    if args.show:
        hook = cfg.default_hooks.get('visualization')
        if hook is None:
            raise RuntimeError('--show needs a VisualizationHook in '
                               'default_hooks')
        hook['draw'] = True
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        add_panel_hook(cfg, args)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        keep_per_image(cfg, args.out)

    runner = Runner.from_cfg(cfg)
    if not args.tta:
        load_strictly(runner, args.checkpoint, args.config)
    record_test(runner, metrics_file(cfg.work_dir), args.checkpoint,
                f'Test metrics: {args.config}', config=args.config)


if __name__ == '__main__':
    run_tool(main)
