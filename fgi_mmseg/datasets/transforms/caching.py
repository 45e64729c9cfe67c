"""Memoise the deterministic head of a data pipeline per sample."""
import copy
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmseg.registry import TRANSFORMS


_IMMUTABLE = (str, bytes, int, float, bool, complex, type(None))


def copy_results(value: Any) -> Any:
    """A deep copy of a pipeline's results, fast for what they hold.

    Arrays are copied with ``ndarray.copy`` and dicts, lists and tuples
    rebuilt; immutable scalars are shared; anything else goes through
    :func:`copy.deepcopy`. ``copy.deepcopy`` of a whole results dict took
    as long as the flips after it (42 us per sample), most of it in its
    memo bookkeeping. Unlike it, an object reached twice is copied twice
    (results do not alias their values).
    """
    if isinstance(value, _IMMUTABLE):
        return value
    if type(value) is np.ndarray and value.dtype != object:
        return value.copy()
    if type(value) is dict:
        return {key: copy_results(item) for key, item in value.items()}
    if type(value) is list:
        return [copy_results(item) for item in value]
    if type(value) is tuple:
        return tuple(copy_results(item) for item in value)
    return copy.deepcopy(value)


@TRANSFORMS.register_module()
class CachedTransforms(BaseTransform):
    """Run ``transforms`` once per sample and replay their output after.

    Decoding a full-size image and its gaze heatmap, deriving the
    pseudo-masks and resizing them cost as much CPU per batch as a small
    network's step on 2 cores, and the result is the same every epoch.
    This wrapper keeps the output of such a deterministic prefix per
    sample, so later epochs pay a dictionary copy instead; the random
    transforms (flips) follow it in the pipeline and stay random.

    The cache lives in the process that runs the pipeline: each
    (persistent) dataloader worker fills its own over the first epochs.

    .. code-block:: python

        train_pipeline = [
            dict(type='CachedTransforms', transforms=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadGazeHeatmap'),
                dict(type='SegFieldsResize', scale=(112, 112),
                     keep_ratio=False),
            ]),
            dict(type='SegFieldsRandomFlip', prob=0.5),
            dict(type='PackGazeSegInputs'),
        ]

    Args:
        transforms (Sequence[dict]): The wrapped transforms. They must be
            deterministic: a random transform here would repeat its first
            draw forever.
        key_fields (Sequence[str]): Result keys whose values identify a
            sample; those present form the cache key.
        max_items (int, optional): Samples kept per process; later ones
            run uncached. None keeps all.
    """

    def __init__(self,
                 transforms: Sequence[dict],
                 key_fields: Sequence[str] = ('img_path', 'seg_map_path',
                                              'heatmap_path',
                                              'text_embed_path'),
                 max_items: Optional[int] = None) -> None:
        # Built from mmseg's registry: mmcv's Compose alone would look the
        # types up in mmengine's root registry, without our transforms.
        self.transforms = Compose([
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in transforms
        ])
        self.key_fields = tuple(key_fields)
        self.max_items = max_items
        self._cache: Dict[tuple, dict] = {}

    def _key(self, results: dict) -> tuple:
        key = tuple((f, results[f]) for f in self.key_fields if f in results)
        if not key:
            raise KeyError(f'CachedTransforms: the results hold none of the '
                           f'key fields {self.key_fields}; expected at least '
                           f'one to identify the sample')
        return key

    def transform(self, results: dict) -> Optional[dict]:
        key = self._key(results)
        cached = self._cache.get(key)
        if cached is None:
            out = self.transforms(results)
            if out is None:  # a transform dropped the sample
                return None
            if self.max_items is None or len(self._cache) < self.max_items:
                self._cache[key] = copy_results(out)
            return out
        # A deep copy: the later transforms modify arrays and lists in place.
        results.update(copy_results(cached))
        return results

    def __repr__(self) -> str:
        lines: List[str] = [f'{type(self).__name__}(']
        lines += [f'    {t!r},' for t in self.transforms.transforms]
        lines.append(f'    key_fields={self.key_fields}, '
                     f'max_items={self.max_items})')
        return '\n'.join(lines)
