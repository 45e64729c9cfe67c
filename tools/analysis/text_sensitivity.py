"""Does an FGI teacher use its text? Dice with right, wrong and no text.

The teacher (stage 1, :class:`TextGuidedEncoderDecoder`) is evaluated on
one split three times, with the same images and weights:

- ``own``: every image with its own description embedding, as trained;
- ``shuffled``: every image with the embedding of the next image of the
  split (a fixed derangement: the same texts, wrongly assigned);
- ``zeros``: one all-zero token for every image (no text at all).

A teacher that reads its text loses Dice when the text is wrong or absent;
one that ignores the text scores the same three times. ``own`` equals the
teacher's usual validation Dice.

Example::

    python tools/analysis/text_sensitivity.py \\
        configs/benchmark/kvasir/fgi.py \\
        work_dirs/benchmark/kvasir/fgi/seed0/teacher/best_Dice_iter_1500.pth \\
        --out work_dirs/text_sensitivity/kvasir_seed0.json
"""
import argparse
import copy
import json
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import Config, DictAction
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, load_checkpoint
from mmseg.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

import fgi_mmseg  # noqa: E402,F401  (registers the modules)
from fgi_mmseg.engine.config_derivation import (is_two_stage,  # noqa: E402
                                                 stage_config)
from fgi_mmseg.utils import write_json_atomic  # noqa: E402

CONDITIONS = ('own', 'shuffled', 'zeros')


def teacher_config(config: str,
                   options: Optional[dict] = None) -> Config:
    """The plain teacher config of an FGI (two-stage) or teacher config."""
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    if is_two_stage(cfg):
        cfg = stage_config(cfg, 'teacher')
    if cfg.model.get('type') != 'TextGuidedEncoderDecoder':
        raise ValueError(f'{config}: model.type is {cfg.model.get("type")!r}'
                         '; expected an FGI config or a '
                         'TextGuidedEncoderDecoder (teacher) config')
    return cfg


def replace_text(data_samples: Sequence, condition: str, start: int,
                 bank: List[torch.Tensor]) -> None:
    """Give each sample of a batch the text of ``condition``, in place.

    Args:
        data_samples (Sequence): The batch's ``SegDataSample``s, the
            ``i``-th being sample ``start + i`` of the split.
        condition (str): ``own`` (unchanged), ``shuffled`` (the embedding
            of sample ``k + 1`` for sample ``k``, cyclically) or ``zeros``
            (one zero token of the same width).
        bank (list[Tensor]): Every sample's own embedding, in split order
            (needed for ``shuffled``).
    """
    if condition not in CONDITIONS:
        raise ValueError(f'condition must be one of {CONDITIONS}, got '
                         f'{condition!r}')
    for i, sample in enumerate(data_samples):
        own = sample.metainfo['text_embed']
        if condition == 'shuffled':
            text = bank[(start + i + 1) % len(bank)]
        elif condition == 'zeros':
            text = own.new_zeros(1, own.shape[-1])
        else:
            continue
        sample.set_metainfo(dict(text_embed=text))


def evaluate(model: torch.nn.Module, cfg: Config, split: str,
             condition: str, bank: List[torch.Tensor]) -> Dict[str, float]:
    """Metrics of ``model`` on ``split`` under one text condition.

    With ``condition='own'`` an empty ``bank`` is filled with the split's
    embeddings in order, for the other conditions.
    """
    loader = Runner.build_dataloader(
        copy.deepcopy(cfg[f'{split}_dataloader']))
    evaluator = Evaluator(copy.deepcopy(cfg[f'{split}_evaluator']))
    evaluator.dataset_meta = loader.dataset.metainfo
    start = 0
    with torch.no_grad():
        for data in loader:
            samples = data['data_samples']
            if condition == 'own' and len(bank) < len(loader.dataset):
                bank.extend(s.metainfo['text_embed'] for s in samples)
            replace_text(samples, condition, start, bank)
            start += len(samples)
            evaluator.process(data_samples=model.test_step(data),
                              data_batch=data)
    return evaluator.evaluate(len(loader.dataset))


def text_sensitivity(config: str, checkpoint: str, split: str = 'val',
                     options: Optional[dict] = None) -> Dict[str, dict]:
    """Metrics of the teacher under each of :data:`CONDITIONS`."""
    cfg = teacher_config(config, options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True,
                    logger='silent')
    model.eval()
    bank: List[torch.Tensor] = []
    return {c: evaluate(model, cfg, split, c, bank) for c in CONDITIONS}


def format_table(results: Dict[str, dict]) -> str:
    """A Markdown table: Dice and IoU per condition, change against own."""
    own = results['own']['Dice']
    lines = ['| text | Dice (%) | change | IoU (%) |', '|---|---|---|---|']
    for condition, metrics in results.items():
        lines.append(f'| {condition} | {metrics["Dice"]:.2f} | '
                     f'{metrics["Dice"] - own:+.2f} | {metrics["IoU"]:.2f} |')
    return '\n'.join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='FGI config (or a teacher config)')
    parser.add_argument('checkpoint', help='teacher checkpoint (stage 1)')
    parser.add_argument('--split', default='val', choices=('val', 'test'))
    parser.add_argument('--out', help='JSON file for the metrics')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    results = text_sensitivity(args.config, args.checkpoint, args.split,
                               args.cfg_options)
    print(format_table(results))
    if args.out:
        write_json_atomic(args.out, dict(
            config=args.config, checkpoint=args.checkpoint, split=args.split,
            metrics=results))


if __name__ == '__main__':
    main()
