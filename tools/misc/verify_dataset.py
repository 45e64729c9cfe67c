"""Check the datasets of a config before training on them.

Reads every image, mask, gaze heatmap and text embedding of each split (and
of each stage's splits, for FGI's two-stage configs) once
and prints every problem found (missing or corrupt files, size mismatches,
non-binary masks, heatmaps outside [0, 1], embeddings of the wrong shape,
ids listed twice or in two splits), like nnU-Net's
``--verify_dataset_integrity``. Exits with 1 if there is any problem.

Example::

    python tools/misc/verify_dataset.py configs/baselines/unet_gaze_demo.py
    python tools/misc/verify_dataset.py CONFIG --splits val \\
        --cfg-options val_dataloader.dataset.data_root=/data/kvasir-seg
"""
import argparse
import sys
from typing import Dict, List

from mmengine.config import Config, DictAction

import fgi_mmseg  # noqa: F401  (registers the datasets)
from fgi_mmseg.datasets.verify import (SPLIT_FILE_ERRORS, Problem,
                                       build_unchecked_dataset,
                                       check_split_overlap, verify_dataset)
from fgi_mmseg.engine.config_derivation import is_two_stage, stage_config
from fgi_mmseg.utils.cli import run_tool
from fgi_mmseg.utils.config import load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Verify the integrity of the datasets of a config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--splits',
        nargs='+',
        default=['train', 'val', 'test'],
        help='splits to check, each read from <split>_dataloader.dataset')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (see mmseg tools)')
    return parser.parse_args()


def config_per_stage(cfg: Config) -> Dict[str, Config]:
    """The config itself ('') and, for FGI's two-stage configs, each
    stage's config: the teacher's dataloaders are the ones that read the
    text embeddings."""
    configs = {'': cfg}
    if not is_two_stage(cfg):
        return configs  # only FGI's stages read text_prefix
    for name in cfg.stages:
        configs[name] = stage_config(cfg, name)
    return configs


def main() -> int:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)

    dataset_cfgs = {}
    for name, stage_cfg in config_per_stage(cfg).items():
        for split in args.splits:
            loader = stage_cfg.get(f'{split}_dataloader')
            label = f'{name}/{split}' if name else split
            if loader and loader.get('dataset'):
                dataset_cfgs[label] = loader['dataset']
            elif not name:
                print(f'{split}: no {split}_dataloader.dataset in the '
                      'config, skipped')
    if not dataset_cfgs:
        print('no dataset to verify')
        return 1

    problems: Dict[str, List[Problem]] = {}
    datasets = {}
    num_samples = 0
    for split, dataset_cfg in dataset_cfgs.items():
        same = next((s for s in problems if dataset_cfgs[s] == dataset_cfg),
                    None)
        if same is not None:
            # test_dataloader = val_dataloader is common; read it once.
            print(f'{split}: same dataset as {same}, checked once')
            continue
        try:
            dataset = build_unchecked_dataset(dataset_cfg)
        except SPLIT_FILE_ERRORS:
            problems[split] = verify_dataset(dataset_cfg, split)
            continue
        datasets[split] = dataset
        num_samples += len(dataset)
        problems[split] = verify_dataset(dataset, split)
    # Ids leaking between splits: the top-level splits (a stage reads the
    # same split files with other fields).
    for problem in check_split_overlap(
            {k: v for k, v in datasets.items() if '/' not in k}):
        problems[problem.split].append(problem)

    for split, found in problems.items():
        size = f'{len(datasets[split])} samples' if split in datasets \
            else 'unreadable split file'
        status = f'{len(found)} problems' if found else 'OK'
        print(f'{split} ({dataset_cfgs[split].get("ann_file")}, {size}): '
              f'{status}')
        for problem in found:
            print(f'  {problem.detail}')

    total = sum(len(found) for found in problems.values())
    if total:
        samples = {(p.split, p.sample_id)
                   for found in problems.values()
                   for p in found if p.sample_id}
        print(f'{total} problems in {len(samples)} samples')
        return 1
    print(f'OK: {num_samples} samples in {len(datasets)} splits, no problems')
    return 0


if __name__ == '__main__':
    run_tool(main)
