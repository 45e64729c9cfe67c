"""Transforms that load masks, gaze heatmaps and text embeddings."""
import logging
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log
from mmseg.registry import TRANSFORMS

from fgi_mmseg.gaze.heatmap import (heatmap_scale_problem,
                                    heatmap_to_pseudo_masks, load_heatmap)
from fgi_mmseg.text.flip import FLIP_DIRECTIONS, flip_variant_path
from fgi_mmseg.utils.sample_files import (UnreadableFileError, binary_mask,
                                          embedding_problem, read_embedding,
                                          read_image)
from ..errors import SampleLoadError

LEVEL_FIELD = 'gt_level{}_seg'


def _check_same_size(results: dict, field: str, path: str,
                     array: np.ndarray) -> None:
    """Masks and heatmaps must align pixel for pixel with the image file.

    ``ori_shape`` is compared rather than ``img``, because test pipelines
    load annotations after resizing the image.
    """
    if 'ori_shape' not in results:
        return
    expected = tuple(results['ori_shape'][:2])
    if array.shape[:2] != expected:
        raise SampleLoadError.for_field(
            results, field, path,
            f'size {array.shape[:2]} differs from the image size {expected}')


@TRANSFORMS.register_module()
class LoadBinaryAnnotations(BaseTransform):
    """Load a binary ground-truth mask as ``gt_seg_map`` (0/1, uint8).

    The mask is read as grayscale and thresholded rather than label-mapped
    (:func:`~fgi_mmseg.utils.sample_files.binary_mask`: JPEG noise around
    0/255, or 0/1 as stored).

    Required keys: ``seg_map_path``. Added keys: ``gt_seg_map``, and
    ``seg_fields`` gains ``gt_seg_map``.

    Args:
        threshold (int): Gray values ``>= threshold`` are foreground.
            Defaults to 128.
    """

    def __init__(self, threshold: int = 128) -> None:
        self.threshold = threshold

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        try:
            mask = read_image(path, cv2.IMREAD_GRAYSCALE)
        except UnreadableFileError as err:
            raise SampleLoadError.for_field(results, 'seg_map_path', path,
                                            str(err)) from err
        _check_same_size(results, 'seg_map_path', path, mask)
        results['gt_seg_map'] = binary_mask(mask,
                                            self.threshold).astype(np.uint8)
        results['seg_fields'].append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(threshold={self.threshold})'


@TRANSFORMS.register_module()
class LoadGazeHeatmap(BaseTransform):
    """Load the gaze heatmap and derive the pseudo-masks of method §2.

    Adds ``gt_heatmap`` (float32 in [0, 1]), ``gt_sparse_seg`` (1 where
    ``H >= t_fg``, 0 where ``H <= t_bg``, ``ignore_index`` between) and
    ``gt_comp_seg`` (``H >= t_comp``) to the results and to ``seg_fields``,
    so that every geometric transform moves them with the image.

    With ``level_thresholds`` ``(t_0, t_1, ...)`` it also adds one binary
    mask per threshold level, ``gt_level{i}_seg`` = ``H >= t_i`` (uint8),
    for multi-level training (GazeMedSeg: ``(0.5, 0.3)``).

    Required keys: ``heatmap_path``.

    Args:
        t_fg (float): Confident-foreground threshold. Defaults to 0.5.
        t_bg (float): Confident-background threshold. Defaults to 0.05.
        t_comp (float): Comprehensive-mask threshold. Defaults to 0.3.
        ignore_index (int): Label of unsure pixels. Defaults to 255.
        level_thresholds (Sequence[float]): Thresholds of the level masks;
            empty (the default) adds none.
    """

    def __init__(self,
                 t_fg: float = 0.5,
                 t_bg: float = 0.05,
                 t_comp: float = 0.3,
                 ignore_index: int = 255,
                 level_thresholds: Sequence[float] = ()) -> None:
        self.t_fg = t_fg
        self.t_bg = t_bg
        self.t_comp = t_comp
        self.ignore_index = ignore_index
        self.level_thresholds = tuple(level_thresholds)

    def transform(self, results: dict) -> dict:
        path = results['heatmap_path']
        try:
            heatmap = load_heatmap(path)
        except (OSError, ValueError) as err:
            raise SampleLoadError.for_field(results, 'heatmap_path', path,
                                            str(err)) from err
        _check_same_size(results, 'heatmap_path', path, heatmap)
        self._warn_on_scale(path, heatmap)
        sparse, comp = heatmap_to_pseudo_masks(
            heatmap,
            t_fg=self.t_fg,
            t_bg=self.t_bg,
            t_comp=self.t_comp,
            ignore_index=self.ignore_index)
        results['gt_heatmap'] = heatmap
        results['gt_sparse_seg'] = sparse
        results['gt_comp_seg'] = comp
        results['seg_fields'].extend(
            ['gt_heatmap', 'gt_sparse_seg', 'gt_comp_seg'])
        self._add_levels(results, heatmap)
        return results

    def _warn_on_scale(self, path: str, heatmap: np.ndarray) -> None:
        """Warn (once per loader, with a running count) about maps whose
        maximum is far below 1; tools/misc/verify_dataset.py lists all."""
        problem = heatmap_scale_problem(heatmap)
        if not problem:
            return
        self._low_scale = getattr(self, '_low_scale', 0) + 1
        if self._low_scale == 1:
            print_log(f'{path}: heatmap {problem}; run '
                      'tools/misc/verify_dataset.py to list every such map',
                      logger='current', level=logging.WARNING)

    def _add_levels(self, results: dict, heatmap: np.ndarray) -> None:
        """Add the binary mask ``H >= t_i`` of every threshold level."""
        for i, threshold in enumerate(self.level_thresholds):
            key = LEVEL_FIELD.format(i)
            results[key] = (heatmap >= threshold).astype(np.uint8)
            results['seg_fields'].append(key)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(t_fg={self.t_fg}, t_bg={self.t_bg}, '
                f't_comp={self.t_comp}, ignore_index={self.ignore_index}, '
                f'level_thresholds={self.level_thresholds})')


def _load_embedding(results: dict, path: str,
                    embed_dim: Optional[int]) -> np.ndarray:
    """One ``L x C`` float32 embedding; SampleLoadError naming the file."""
    try:
        embed = read_embedding(path)
    except UnreadableFileError as err:
        raise SampleLoadError.for_field(results, 'text_embed_path', path,
                                        str(err)) from err
    problem = embedding_problem(embed, embed_dim)
    if problem:
        raise SampleLoadError.for_field(results, 'text_embed_path', path,
                                        problem)
    return embed.astype(np.float32)


@TRANSFORMS.register_module()
class LoadTextEmbedding(BaseTransform):
    """Load the cached text embedding ``F_t`` (``L x C`` float) of a sample.

    With ``flip_variants`` it also loads the embeddings of the mirrored
    reports (``flip_<direction>/<id>.npy`` beside ``<id>.npy``, written by
    ``tools/text/encode.py``; see :mod:`fgi_mmseg.text.flip`) as
    ``text_embed_flips`` (``'none'`` and each direction -> array), from which
    :class:`SegFieldsRandomFlip` and the batch flip of
    :class:`GazeSegDataPreProcessor` pick the text of the flipped image.

    A sample without ``text_embed_path`` passes through unchanged: whether
    a dataset reads text is its ``data_prefix`` (``text_embed_path``), so
    one pipeline serves the text-guided teacher and the networks without
    text. A sample with the key and no readable file still fails.

    Optional keys: ``text_embed_path``. Added keys: ``text_embed``, and
    ``text_embed_flips`` with ``flip_variants``.

    Args:
        embed_dim (int, optional): Expected width ``C``; checked when given.
        flip_variants (bool): Load the three flip variants too (train
            pipelines that flip). Defaults to False.
    """

    def __init__(self,
                 embed_dim: Optional[int] = None,
                 flip_variants: bool = False) -> None:
        self.embed_dim = embed_dim
        self.flip_variants = flip_variants

    def transform(self, results: dict) -> dict:
        path = results.get('text_embed_path')
        if path is None:
            return results
        results['text_embed'] = _load_embedding(results, path,
                                                self.embed_dim)
        if self.flip_variants:
            flips = {'none': results['text_embed']}
            for direction in FLIP_DIRECTIONS:
                variant = flip_variant_path(path, direction)
                if not osp.isfile(variant):
                    raise SampleLoadError.for_field(
                        results, 'text_embed_path', variant,
                        'missing flip variant of the text embedding (run '
                        'tools/text/encode.py, which writes flip_*/ '
                        'folders, or set flip_variants=False)')
                flips[direction] = _load_embedding(results, variant,
                                                   self.embed_dim)
            results['text_embed_flips'] = flips
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(embed_dim={self.embed_dim}, '
                f'flip_variants={self.flip_variants})')
