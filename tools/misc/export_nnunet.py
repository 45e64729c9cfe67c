"""Export a dataset config to nnU-Net's raw dataset layout.

The images at the size the config trains on, the training labels its
pipeline gives (``--label gaze``: the comprehensive gaze pseudo-mask at the
config's ``t_comp``; ``--label full``: ground truth), the test images, and
our train/val split as nnU-Net's fold 0 (``splits_final.json``; nnU-Net
copies it into its preprocessed folder). See
:mod:`fgi_mmseg.nnunet.export`.

Example::

    python tools/misc/export_nnunet.py configs/benchmark/kvasir/unet_gaze.py \\
        --label gaze --out $nnUNet_raw --dataset-id 501
    nnUNetv2_plan_and_preprocess -d 501 -c 2d
"""
import argparse

from mmengine.config import DictAction

import fgi_mmseg  # noqa: F401  (registers the datasets and transforms)
from fgi_mmseg.nnunet.export import LABELS, export_nnunet
from fgi_mmseg.utils.cli import run_tool
from fgi_mmseg.utils.config import load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a method or dataset config')
    parser.add_argument('--label', choices=LABELS, required=True,
                        help='training labels: gaze pseudo-masks or ground '
                        'truth')
    parser.add_argument('--out', required=True,
                        help="nnU-Net's raw folder (nnUNet_raw)")
    parser.add_argument('--dataset-id', type=int, default=501)
    parser.add_argument('--name', default='',
                        help='dataset name (default: <dataset type>_<label>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    folder = export_nnunet(cfg, args.label, args.out, args.dataset_id,
                           args.name)
    print(f'nnU-Net dataset written to {folder}')


if __name__ == '__main__':
    run_tool(main)
