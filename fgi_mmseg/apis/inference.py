"""Build the deployable network from a config and segment images with it.

.. code-block:: none

    init_model(config, checkpoint)
     ├─ TwoStageRunner config -> the student stage's config
     ├─ DistillEncoderDecoder -> plain EncoderDecoder (the student alone:
     │                           no teacher, no text, no AFC projections)
     └─ load the checkpoint strictly (teacher.* / afc_projections.* ignored)
    inference_model(model, images)
     ├─ the config's test pipeline, without ground-truth/text loaders
     └─ one forward per input size -> SegDataSample(s) at original size
"""
import copy
import inspect
import logging
import os.path as osp
import re
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
from mmseg.models import BaseSegmentor
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.structures import SegDataSample

from fgi_mmseg.engine.runners import TwoStageRunner
from fgi_mmseg.models.segmentors import DistillEncoderDecoder
from fgi_mmseg.utils.config import check_override_keys
from fgi_mmseg.utils.errors import UserFacingError

ImageType = Union[str, Path, np.ndarray]
ImagesType = Union[ImageType, Sequence[ImageType]]

# Loaders of ground truth, gaze and text: deployment has only the image.
NON_IMAGE_LOADERS = frozenset({
    'LoadAnnotations', 'LoadBinaryAnnotations', 'LoadDepthAnnotation',
    'LoadGazeHeatmap', 'LoadTextEmbedding'
})
# Checkpoint entries of a DistillEncoderDecoder that only training uses.
DISTILL_ONLY_PREFIXES = ('teacher.', 'afc_projections.')
DEFAULT_DATASET_META = dict(
    classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 0, 0]])


class ImageReadError(UserFacingError, OSError):
    """An input image is missing or cannot be decoded (the message names
    the file)."""


def is_distill_model(model_cfg: dict) -> bool:
    """Whether ``model_cfg`` is an FGI student (teacher inside)."""
    return model_cfg.get('type') in ('DistillEncoderDecoder',
                                     DistillEncoderDecoder)


def student_config(model_cfg: dict) -> ConfigDict:
    """The deployable student of a :class:`DistillEncoderDecoder` config.

    The keys that only :class:`DistillEncoderDecoder` takes (teacher,
    losses, DARM...) are dropped; what remains (backbone, decode head,
    ``data_preprocessor``, test settings) builds the same network as a
    plain :class:`EncoderDecoder`, whose ``predict`` the student uses.

    Args:
        model_cfg (dict): A ``DistillEncoderDecoder`` model config.

    Returns:
        ConfigDict: An ``EncoderDecoder`` model config.
    """
    own = set(inspect.signature(DistillEncoderDecoder.__init__).parameters)
    own -= {'self', 'kwargs'}
    student = ConfigDict({
        key: copy.deepcopy(value)
        for key, value in model_cfg.items() if key not in own
    })
    student.type = 'EncoderDecoder'
    return student


def deploy_config(config: Union[str, Path, Config],
                  cfg_options: Optional[dict] = None) -> Config:
    """The config of the deployable network.

    An FGI config (``runner_type='TwoStageRunner'``) becomes its student
    stage's config, and a ``DistillEncoderDecoder`` model the student
    alone; any other model is kept as it is.

    Args:
        config (str | Path | Config): Config file or object (not modified).
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        Config: A new config whose ``model`` needs no teacher or text.
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif isinstance(config, Config):
        config = copy.deepcopy(config)
    else:
        raise TypeError('config must be a filename or Config object, '
                        f'but got {type(config)}')
    if cfg_options:
        check_override_keys(config, cfg_options)
        config.merge_from_dict(cfg_options)
    if config.get('runner_type') == 'TwoStageRunner':
        if config.get('work_dir') is None:
            config.work_dir = '.'  # required by the runner, unused here
        config = TwoStageRunner(config).stage_cfg('student')
    if is_distill_model(config.model):
        config.model = student_config(config.model)
    if isinstance(config.model.get('backbone'), dict) and \
            'init_cfg' in config.model.backbone:
        config.model.backbone.init_cfg = None  # no pretrained download
    config.model.pretrained = None
    config.model.train_cfg = None
    return config


def load_student_weights(model: nn.Module, checkpoint: str,
                         ignore_prefixes: Sequence[str] = ()) -> dict:
    """Load ``checkpoint`` into ``model`` strictly.

    Args:
        model (nn.Module): The network.
        checkpoint (str): A checkpoint or plain state dict file.
        ignore_prefixes (Sequence[str]): Keys starting with one of these
            are dropped first (e.g. the teacher of an FGI checkpoint).

    Returns:
        dict: The checkpoint's ``meta`` (empty for a plain state dict).

    Raises:
        RuntimeError: Keys are missing or unexpected, or shapes differ.
    """
    ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    state_dict = ckpt.get('state_dict', ckpt)
    state_dict = {
        re.sub(r'^module\.', '', key): value
        for key, value in state_dict.items()
    }
    state_dict = {
        key: value
        for key, value in state_dict.items()
        if not key.startswith(tuple(ignore_prefixes))
    }
    try:
        load_state_dict(model, state_dict, strict=True)
    except RuntimeError as error:
        raise RuntimeError(
            f'checkpoint "{checkpoint}" does not match the model of the '
            f'config: {error}') from None
    meta = ckpt.get('meta', {})
    return meta if isinstance(meta, dict) else {}


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> BaseSegmentor:
    """Build the deployable segmentor of a config, in eval mode.

    For FGI (a ``DistillEncoderDecoder`` model or a ``TwoStageRunner``
    config) this is the student alone: the teacher is neither built nor
    loaded, the checkpoint's ``teacher.*`` (and training-only
    ``afc_projections.*``) keys are ignored, and no text is needed. Other
    segmentors are built as configured. The config's
    ``model.data_preprocessor`` is kept, so inputs are normalised as in
    training.

    Args:
        config (str | Path | Config): Config file path or object.
        checkpoint (str, optional): Weights, loaded strictly; None keeps
            the random initialisation.
        device (str): Device of the model. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        BaseSegmentor: The model, with ``cfg`` (the deploy config) and
        ``dataset_meta`` set.
    """
    config = deploy_config(config, cfg_options)
    init_default_scope(config.get('default_scope', 'mmseg'))
    model = MODELS.build(config.model)
    meta = {}
    if checkpoint is not None:
        meta = load_student_weights(model, checkpoint, DISTILL_ONLY_PREFIXES)
    model.dataset_meta = meta.get('dataset_meta') or dict(
        DEFAULT_DATASET_META)
    model.cfg = config
    model.to(device)
    model.eval()
    return model


def inference_pipeline_config(cfg: Config) -> List[dict]:
    """The test pipeline of ``cfg`` without ground-truth and text loaders.

    Args:
        cfg (Config): A model's config.

    Returns:
        list[dict]: Transform configs; the first one loads the image.
    """
    dataloader = cfg.get('test_dataloader') or {}
    pipeline = dataloader.get('dataset', {}).get('pipeline') or \
        cfg.get('test_pipeline')
    if not pipeline:
        raise ValueError('the config has no test pipeline '
                         '(test_dataloader.dataset.pipeline)')
    pipeline = [
        copy.deepcopy(dict(t)) for t in pipeline
        if t['type'] not in NON_IMAGE_LOADERS
    ]
    if not pipeline or not pipeline[0]['type'].startswith('LoadImageFrom'):
        raise ValueError('the test pipeline must start with an image '
                         f'loader, got {[t["type"] for t in pipeline]}')
    return pipeline


def build_inference_pipelines(cfg: Config) -> Dict[str, Callable]:
    """The image loaders (paths and arrays) and the remaining transforms.

    Args:
        cfg (Config): A model's config.

    Returns:
        dict: ``path`` and ``array`` (loaders) and ``transforms``.
    """
    loader, *transforms = inference_pipeline_config(cfg)
    array_loader = dict(type='LoadImageFromNDArray')
    if 'to_float32' in loader:
        array_loader['to_float32'] = loader['to_float32']
    return dict(
        path=TRANSFORMS.build(loader),
        array=TRANSFORMS.build(array_loader),
        transforms=Compose([TRANSFORMS.build(t) for t in transforms]))


def _load(image: ImageType, index: int, pipelines: dict) -> dict:
    """Run an image loader of ``pipelines``, naming the image on failure."""
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f'image {index} must be an H x W x 3 (BGR) '
                             f'array, got shape {image.shape}')
        return pipelines['array'](dict(img=image))
    path = str(image)
    if not osp.isfile(path):
        raise ImageReadError(f'image "{path}" does not exist')
    try:
        results = pipelines['path'](dict(img_path=path))
    except Exception as error:  # decoders raise many kinds of errors
        raise ImageReadError(
            f'cannot read image "{path}": {error}') from error
    if results is None or results.get('img') is None:
        raise ImageReadError(f'cannot read image "{path}"')
    return results


def _not_mixed_sizes(record: logging.LogRecord) -> bool:
    """Logging filter: False for mmseg's warning about mixed sizes."""
    return record.getMessage() != 'Image shapes are different in the batch.'


@contextmanager
def _quiet_mixed_sizes() -> Iterator[None]:
    """Silence mmseg's warning about batches of mixed original sizes.

    Each prediction is resized back to its own ``ori_shape`` in
    ``postprocess_result``, so such batches are handled correctly.
    """
    logger = MMLogger.get_current_instance()
    logger.addFilter(_not_mixed_sizes)
    try:
        yield
    finally:
        logger.removeFilter(_not_mixed_sizes)


def inference_model(model: BaseSegmentor,
                    images: ImagesType) -> Union[SegDataSample,
                                                 List[SegDataSample]]:
    """Segment one image or a list of images.

    Images are prepared with the config's test pipeline (resized as in
    testing, no ground truth or text) and run in one batch per input size
    (one forward for fixed-size pipelines). Predictions come back at each
    image's original size.

    Args:
        model (BaseSegmentor): A model from :func:`init_model`.
        images (str | Path | np.ndarray | Sequence): Image file(s) or
            H x W x 3 uint8 BGR array(s), like mmseg's ``inference_model``.

    Returns:
        SegDataSample | list[SegDataSample]: With ``pred_sem_seg`` and
        ``seg_logits`` at the original size; a list if ``images`` is one.

    Raises:
        ImageReadError: An image file is missing or unreadable.
    """
    is_batch = isinstance(images, (list, tuple))
    images = list(images) if is_batch else [images]
    pipelines = build_inference_pipelines(model.cfg)
    packed = [
        pipelines['transforms'](_load(image, i, pipelines))
        for i, image in enumerate(images)
    ]
    # The data preprocessor batches only equal sizes (keep_ratio resizes
    # may give several).
    groups = defaultdict(list)
    for i, sample in enumerate(packed):
        groups[tuple(sample['inputs'].shape)].append(i)
    results: List[Optional[SegDataSample]] = [None] * len(packed)
    with torch.no_grad(), _quiet_mixed_sizes():
        for indices in groups.values():
            data = dict(
                inputs=[packed[i]['inputs'] for i in indices],
                data_samples=[packed[i]['data_samples'] for i in indices])
            for i, result in zip(indices, model.test_step(data)):
                results[i] = result
    return results if is_batch else results[0]
