"""Train and test nnU-Net on a config's data, scored with our metric.

Exports the config's data (:mod:`fgi_mmseg.nnunet.export`), lets nnU-Net
plan and preprocess it, trains its 2D U-Net on fold 0 (our train/val split)
for the protocol's iterations, predicts the val and test splits and scores
them at each image's original size with the config's test evaluator. The
config holds ``nnunet = dict(label='gaze' | 'full')`` (configs/benchmark/
*/nnunet_*.py). Rerunning continues an interrupted run. See
:mod:`fgi_mmseg.nnunet.run`.

Outputs under ``--work-dir``: ``test/test_metrics.json``,
``test/per_image.csv``, ``val/test_metrics.json``, ``nnunet_plan.json``
(nnU-Net's plan and the batch size trained with) and nnU-Net's own folders.

Example::

    python tools/misc/train_nnunet.py configs/benchmark/kvasir/nnunet_gaze.py \\
        --work-dir work_dirs/nnunet_gaze --cfg-options randomness.seed=0
"""
import argparse

import torch
from mmengine.config import DictAction

import fgi_mmseg  # noqa: F401  (registers the datasets and metrics)
from fgi_mmseg.evaluation.report import format_metrics
from fgi_mmseg.nnunet.run import run_nnunet
from fgi_mmseg.utils.cli import run_tool
from fgi_mmseg.utils.config import load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config with nnunet=dict(label=...)')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda when available)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    device = torch.device(args.device) if args.device else None
    metrics = run_nnunet(cfg, args.work_dir, device)
    print(format_metrics(metrics, title=f'nnU-Net ({cfg.nnunet.label}), '
                         'test'))


if __name__ == '__main__':
    run_tool(main)
