"""Tiny deployable models for the inference and export tests.

``tiny_fgi_config`` is an FGI config (``TwoStageRunner``, teacher widths
4..16, student 2..8); ``tiny_unet_config`` the gaze-supervised UNet
baseline at widths 2..8. ``save_checkpoint`` builds a config's full model
(for FGI: the student with its teacher) and saves it the way training
does, so FGI checkpoints hold ``teacher.*`` keys.
"""
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from tests.conftest import REPO, TINY_FGI_WIDTHS

TINY_FGI = """
_base_ = ['{repo}/{base}']
""" + TINY_FGI_WIDTHS
TINY_UNET = """
_base_ = ['{repo}/{base}']
widths = (2, 4, 4, 8, 8)
model = dict(
    backbone=dict(widths=widths),
    decode_head=dict(in_channels=list(widths)))
"""
DATASET_META = dict(classes=('background', 'polyp'),
                    palette=[[0, 0, 0], [255, 0, 0]])


def tiny_fgi_config(tmp_path: Path,
                    base: str = 'configs/fgi/demo.py') -> str:
    """A tiny FGI config (two-stage, DistillEncoderDecoder) file."""
    path = tmp_path / 'fgi_tiny.py'
    path.write_text(TINY_FGI.format(repo=REPO, base=base))
    return str(path)


def tiny_unet_config(
        tmp_path: Path,
        base: str = 'configs/baselines/unet_gaze_demo.py') -> str:
    """A tiny UNet (WeaklySupervisedEncoderDecoder) config file."""
    path = tmp_path / 'unet_tiny.py'
    path.write_text(TINY_UNET.format(repo=REPO, base=base))
    return str(path)


def save_checkpoint(config: str, path: Path,
                    seed: int = 1) -> Dict[str, torch.Tensor]:
    """Save the config's full model (random, non-trivial BN statistics).

    Returns:
        dict: The saved state dict.
    """
    init_default_scope('mmseg')
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(config).model)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    state_dict = model.state_dict()
    torch.save(
        dict(
            meta=dict(dataset_meta=DATASET_META, iter=1),
            state_dict=state_dict), path)
    return state_dict


def write_images(folder: Path, sizes: Sequence[Tuple[int, int]],
                 suffix: str = '.png', seed: int = 0) -> List[Path]:
    """Random BGR images of the given (H, W) sizes: ``img0``, ``img1``..."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i, (h, w) in enumerate(sizes):
        path = folder / f'img{i}{suffix}'
        cv2.imwrite(str(path), rng.integers(0, 256, (h, w, 3), np.uint8))
        paths.append(path)
    return paths


