"""Geometric transforms that move every pixel field with the image.

mmcv's ``Resize`` and ``RandomFlip`` only touch ``gt_seg_map``. A gaze
sample also carries a heatmap and two pseudo-masks in ``seg_fields``;
these subclasses apply the same geometry to all of them. (mmseg's
``RandomCrop`` and ``RandomRotate`` already honour ``seg_fields``.)
"""
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import RandomFlip, Resize
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from fgi_mmseg.text.flip import compose_flips
from ..errors import SampleLoadError


def _pixel_fields(results: dict) -> list:
    keys = list(results.get('seg_fields', []))
    if results.get('gt_seg_map') is not None and 'gt_seg_map' not in keys:
        keys.append('gt_seg_map')
    return keys


@TRANSFORMS.register_module()
class SegFieldsResize(Resize):
    """:class:`mmcv.transforms.Resize` for every field in ``seg_fields``.

    Label maps use nearest-neighbour interpolation; float maps (the gaze
    heatmap) use bilinear interpolation so they stay smooth.
    """

    def _resize_seg(self, results: dict) -> None:
        for key in _pixel_fields(results):
            array = results[key]
            interpolation = 'bilinear' if array.dtype.kind == 'f' \
                else 'nearest'
            if self.keep_ratio:
                array = mmcv.imrescale(array, results['scale'],
                                       interpolation=interpolation,
                                       backend=self.backend)
            else:
                array = mmcv.imresize(array, results['scale'],
                                      interpolation=interpolation,
                                      backend=self.backend)
            results[key] = array


_REVERSED = slice(None, None, -1)
_FLIP_SLICES = {
    'horizontal': (slice(None), _REVERSED),
    'vertical': (_REVERSED, ),
    'diagonal': (_REVERSED, _REVERSED),
}


def select_flipped_text(results: dict, direction: Optional[str]) -> None:
    """Point ``text_embed`` at the text of the image flipped by
    ``direction`` (composed from the unflipped image), from the
    ``text_embed_flips`` that ``LoadTextEmbedding(flip_variants=True)``
    loaded."""
    results['text_embed'] = results['text_embed_flips'][direction or 'none']


@TRANSFORMS.register_module()
class SegFieldsRandomFlip(RandomFlip):
    """:class:`mmcv.transforms.RandomFlip` for every field in
    ``seg_fields`` and for the text.

    ``swap_seg_labels`` applies to ``gt_seg_map`` only. Successive flips
    compose: after a horizontal and a vertical one, ``flip_direction`` is
    ``'diagonal'`` (mmcv's transform would keep only the last).

    The text describes the unflipped image ("lower left"), so with
    ``text='variants'`` (the default) a flipped sample's ``text_embed``
    becomes the encoding of the mirrored report
    (:mod:`fgi_mmseg.text.flip`); a sample with a text embedding but no
    flip variants is refused rather than trained on a wrong location.
    ``text='keep'`` keeps the unflipped text (the behaviour before flip
    variants existed, for the record).

    Args:
        text (str): ``'variants'`` or ``'keep'``.
        **kwargs: The arguments of :class:`mmcv.transforms.RandomFlip`.
    """

    def __init__(self, text: str = 'variants', **kwargs) -> None:
        super().__init__(**kwargs)
        if text not in ('variants', 'keep'):
            raise ValueError(f"SegFieldsRandomFlip.text must be 'variants' or "
                             f"'keep', got {text!r}")
        self.text = text

    def transform(self, results: dict) -> dict:
        before = results.get('flip_direction') if results.get('flip') \
            else None
        super().transform(results)
        now = results['flip_direction'] if results['flip'] else None
        total = compose_flips(before, now)
        results['flip'] = total is not None
        results['flip_direction'] = total
        if now is not None and self.text == 'variants' and \
                'text_embed' in results:
            if 'text_embed_flips' not in results:
                raise SampleLoadError(
                    f'sample "{results.get("sample_id", "<unknown id>")}": '
                    'SegFieldsRandomFlip flipped an image whose text_embed '
                    'has no flip variants, so its text would name the wrong '
                    'location: use LoadTextEmbedding(flip_variants=True) '
                    "or SegFieldsRandomFlip(text='keep')")
            select_flipped_text(results, total)
        return results

    @cache_randomness
    def _choose_direction(self) -> Optional[str]:
        """mmcv's draw, without its per-call object array.

        For one direction and a float probability, mmcv calls
        ``np.random.choice([direction, None], p=[prob, 1 - prob])``
        (20 us, most of it building and checking arrays). That draws one
        double ``u`` from NumPy's global legacy generator and picks
        ``direction`` iff ``u < cdf[0]``, ``cdf = cumsum(p) / sum(p)``;
        the same double and the same comparison here give the same flips
        for the same seed. Other settings use mmcv's code.
        """
        if not (isinstance(self.direction, str) and
                isinstance(self.prob, float)):
            return super()._choose_direction.func(self)
        u = np.random.random_sample()
        return self.direction \
            if u < self.prob / (self.prob + (1. - self.prob)) else None

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        # mmcv.imflip's flips, as slices (np.flip's axis checks cost a
        # third of the copy at 112 x 112).
        flipped = _FLIP_SLICES[results['flip_direction']]
        for key in _pixel_fields(results):
            if key != 'gt_seg_map':
                results[key] = np.ascontiguousarray(results[key][flipped])

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', text={self.text!r})'


# The names before they said what the transforms do (neither is about
# gaze): configs and work dirs written with them still build.
TRANSFORMS.register_module(name='GazeResize', module=SegFieldsResize)
TRANSFORMS.register_module(name='GazeRandomFlip', module=SegFieldsRandomFlip)
