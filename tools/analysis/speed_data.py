"""Time a config's train pipeline per sample, with and without its cache.

Builds the train dataset of a config twice: as configured (the first pass
over the samples fills ``CachedTransforms``, the second replays it) and
with every ``CachedTransforms`` unwrapped into its transforms. Reports
milliseconds per sample in one process, which is the CPU time the
dataloader workers take from the training step.

Example::

    python tools/analysis/speed_data.py configs/benchmark/kvasir/unet_gaze.py
    python tools/analysis/speed_data.py configs/fgi/kvasir.py --stage student
"""
import argparse
import copy
import os.path as osp
import sys
import time
from typing import List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmengine.config import Config  # noqa: E402
from mmseg.registry import DATASETS  # noqa: E402
from mmseg.utils import register_all_modules  # noqa: E402

from fgi_mmseg.engine.config_derivation import stage_config  # noqa: E402


def unwrap_caches(pipeline: List[dict]) -> List[dict]:
    """The pipeline with each ``CachedTransforms`` replaced by its body."""
    flat = []
    for t in pipeline:
        if t['type'] == 'CachedTransforms':
            flat.extend(copy.deepcopy(t['transforms']))
        else:
            flat.append(copy.deepcopy(t))
    return flat


def ms_per_sample(dataset, num: int) -> float:
    start = time.perf_counter()
    for i in range(num):
        dataset[i]
    return (time.perf_counter() - start) / num * 1000


def train_dataset_cfg(cfg: Config, stage: Optional[str]) -> dict:
    """The train dataset config, of a two-stage config's ``stage``."""
    if stage:
        cfg = stage_config(cfg, stage)
    return copy.deepcopy(cfg.train_dataloader.dataset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--stage', choices=('teacher', 'student'),
                        help='use a TwoStageRunner stage\'s train dataset')
    parser.add_argument('--num', type=int, default=100,
                        help='samples per pass')
    args = parser.parse_args()

    register_all_modules()
    cfg = Config.fromfile(args.config)
    dataset_cfg = train_dataset_cfg(cfg, args.stage)
    cached = DATASETS.build(dataset_cfg)
    plain_cfg = copy.deepcopy(dataset_cfg)
    plain_cfg['pipeline'] = unwrap_caches(dataset_cfg['pipeline'])
    plain = DATASETS.build(plain_cfg)
    num = min(args.num, len(cached))

    uncached = ms_per_sample(plain, num)
    first = ms_per_sample(cached, num)
    replay = ms_per_sample(cached, num)
    print(f'{args.config}: {num} samples, ms per sample (1 process)')
    print(f'  uncached pipeline      {uncached:7.2f}')
    print(f'  cached, first pass     {first:7.2f}')
    print(f'  cached, later passes   {replay:7.2f}  '
          f'({uncached / replay:.1f}x faster)')


if __name__ == '__main__':
    main()
