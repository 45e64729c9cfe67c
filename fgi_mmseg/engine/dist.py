"""Distributed training over torchrun on machines without GPUs.

mmengine 0.10.7 assumes CUDA under a distributed launcher: its launcher
calls ``torch.cuda.set_device``, its default DDP wrapper passes
``device_ids`` and configs often ask for ``SyncBN``. On a CPU-only machine
:func:`setup_cpu_distributed` starts a gloo process group itself (so the
runner skips its own initialisation) and adapts the config.
"""
import os

import torch
import torch.distributed as dist
from mmengine.config import Config


def _replace_sync_bn(node):
    """Swap every ``SyncBN`` norm config for ``BN`` (SyncBN needs GPUs)."""
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _replace_sync_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _replace_sync_bn(value)


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare ``cfg`` for CPU-only distributed training, if that is the case.

    Args:
        cfg (Config): The full config; changed in place.
        launcher (str): ``--launcher`` of the tool (``none``, ``pytorch``..).

    Returns:
        bool: Whether CPU distributed mode was set up.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise ValueError(f'CPU-only distributed training supports the '
                         f'"pytorch" launcher (torchrun), got "{launcher}"')
    if not dist.is_initialized():
        dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = \
        'gloo'
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    # DDP over CPU modules needs device_ids=None; cfg values win over the
    # runner's default_args.
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    _replace_sync_bn(cfg.model)
    cfg.sync_bn = None
    return True
