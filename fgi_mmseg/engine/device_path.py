"""The GPU-bound variant of a training config, derived when CUDA is there.

The CPU protocols flip samples in the dataloader (``SegFieldsRandomFlip``,
after the cached decode and resize) and load in the main process. On a GPU that
made the loop CPU-bound (8-34 % utilisation on an H200). The same config is
rewritten here, before the runner is built:

.. code-block:: none

    train pipeline(s):  [Cached(decode, resize), flip, flip, pack]
                     -> [Cached(decode, resize), pack]
    data_preprocessor:  GazeSegDataPreProcessor(batch_flip=the flips,
                                                non_blocking=True)
    dataloaders:        pin_memory, >= 2 persistent workers
    env_cfg:            cudnn_benchmark=True
    optim_wrapper:      OptimWrapper -> AutocastOptimWrapper (dtype 'auto')
    custom_hooks:       + ChannelsLastHook

The CPU protocol ``cpu_fast`` sets the last two itself; the paper's fp32
schedule gets them on a GPU only. A config opts out with
``gpu_fast_path = False``.
"""
import copy
from typing import List, Optional

import torch
from mmengine.config import Config

# The flip's name, and its name before the rename (still registered).
FLIPS = ('SegFieldsRandomFlip', 'GazeRandomFlip')
PACK = 'PackGazeSegInputs'


def _split_flips(pipeline: List[dict]) -> Optional[tuple]:
    """``(pipeline without its trailing flips, batch_flip)``, or None.

    Only flips that directly precede the final packing move to the batch
    (nothing random may run between them and the packing), and only when
    they share one probability, as the batch flip draws with one.
    """
    if not pipeline or pipeline[-1].get('type') != PACK:
        return None
    start = len(pipeline) - 1
    while start > 0 and pipeline[start - 1].get('type') in FLIPS:
        start -= 1
    flips = pipeline[start:-1]
    if not flips:
        return None
    probs = {float(f.get('prob', 0.5)) for f in flips}
    directions = []
    for f in flips:
        direction = f.get('direction', 'horizontal')
        directions += [direction] if isinstance(direction, str) \
            else list(direction)
    if len(probs) != 1 or len(flips) != len(directions) or \
            not set(directions) <= {'horizontal', 'vertical'}:
        return None
    return (pipeline[:start] + pipeline[-1:],
            dict(prob=probs.pop(), directions=tuple(directions)))


def _train_loaders(cfg: Config) -> list:
    loaders = [cfg.get('train_dataloader')]
    for stage in (cfg.get('stages') or {}).values():
        loaders.append(stage.get('train_dataloader'))
    return [loader for loader in loaders
            if loader and loader.get('dataset', {}).get('pipeline')]


def use_gpu_fast_path(cfg: Config, force: bool = False) -> bool:
    """Rewrite ``cfg`` in place for GPU-bound training (see module doc).

    Args:
        cfg (Config): A training config (one- or two-stage).
        force (bool): Rewrite even without CUDA (for tests).

    Returns:
        bool: Whether the config was rewritten.
    """
    if not (force or torch.cuda.is_available()) or \
            not cfg.get('gpu_fast_path', True):
        return False
    preprocessor = cfg.model.get('data_preprocessor')
    if not preprocessor or preprocessor.get('type') not in (
            'SegDataPreProcessor', 'GazeSegDataPreProcessor'):
        return False
    loaders = _train_loaders(cfg)
    splits = [_split_flips(loader.dataset.pipeline) for loader in loaders]
    flips = {repr(s[1]) for s in splits if s}
    if not all(splits) or len(flips) != 1:
        return False  # pipelines the batch flip cannot stand for
    for loader, (pipeline, batch_flip) in zip(loaders, splits):
        loader.dataset.pipeline = pipeline
    preprocessor.update(type='GazeSegDataPreProcessor',
                        batch_flip=copy.deepcopy(batch_flip),
                        non_blocking=True)
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader:
            loader.update(pin_memory=True, persistent_workers=True,
                          num_workers=max(2, loader.get('num_workers', 0)))
    for stage in (cfg.get('stages') or {}).values():
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if stage.get(name):
                stage[name].pop('num_workers', None)
                stage[name].pop('persistent_workers', None)
    cfg.setdefault('env_cfg', {})['cudnn_benchmark'] = True
    if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
        cfg.optim_wrapper.update(type='AutocastOptimWrapper', dtype='auto')
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') == 'ChannelsLastHook' for h in hooks):
        cfg.custom_hooks = hooks + [dict(type='ChannelsLastHook')]
    return True
