"""Segment images with the deployable network of a config.

.. code-block:: none

    init_model(config, checkpoint)   (fgi_mmseg.engine.deploy)
     └─ the student alone for FGI configs, loaded strictly
    inference_model(model, images)
     ├─ the config's test pipeline, without ground-truth/text loaders
     └─ one forward per input size -> SegDataSample(s) at original size
"""
import copy
import logging
import os.path as osp
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmseg.models import BaseSegmentor
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample

from fgi_mmseg.utils.errors import UserFacingError

ImageType = Union[str, Path, np.ndarray]
ImagesType = Union[ImageType, Sequence[ImageType]]

# Loaders of ground truth, gaze and text: deployment has only the image.
NON_IMAGE_LOADERS = frozenset({
    'LoadAnnotations', 'LoadBinaryAnnotations', 'LoadDepthAnnotation',
    'LoadGazeHeatmap', 'LoadTextEmbedding'
})


class ImageReadError(UserFacingError, OSError):
    """An input image is missing or cannot be decoded (the message names
    the file)."""


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
