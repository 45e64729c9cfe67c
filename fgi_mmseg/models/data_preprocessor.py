"""Data preprocessing that can flip the whole batch on its device."""
from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models import SegDataPreProcessor
from mmseg.registry import MODELS

from fgi_mmseg.text.flip import compose_flips

DIRECTIONS = {'horizontal': -1, 'vertical': -2}  # the flipped tensor dim
# The fields mmseg's stack_batch pads itself.
_PADDED_BY_MMSEG = ('gt_sem_seg', 'gt_edge_map', 'gt_depth_map')


@MODELS.register_module()
class GazeSegDataPreProcessor(SegDataPreProcessor):
    """:class:`SegDataPreProcessor` with device-side flips, async copies and
    every pixel field padded.

    mmseg's ``stack_batch`` pads the images and ``gt_sem_seg`` (and edge and
    depth maps) of a training batch to one size, but no other field, so
    with mmseg's preprocessor every pipeline has to resize to exactly its
    ``size``. Here every other ``PixelData`` field of a sample (gaze
    pseudo-masks, level masks, heatmap) gets the same bottom-right padding:
    label maps with ``seg_pad_val`` (ignored by the losses, as in
    ``gt_sem_seg``), float maps (the heatmap) with 0 (no gaze there).

    On a GPU the per-sample CPU pipeline, not the network, limited training
    (8-34 % utilisation). With the decode and resize cached per sample
    (``CachedTransforms``), the random flips are the only per-step work
    left; ``batch_flip`` does them here, after the batch is on the device,
    for the image and every pixel field of the samples (ground truth, gaze
    pseudo-masks, heatmap, level masks), records them in each sample's
    ``flip`` / ``flip_direction`` meta information (composed with earlier
    flips) as ``SegFieldsRandomFlip`` does, and selects the flipped text from
    ``text_embed_flips`` when the sample has one. Flips are drawn per
    sample and direction from torch's generator on the batch's device,
    which mmengine seeds from ``randomness.seed``.

    .. code-block:: none

        forward(data, training)
         ├─ cast_data: to the device (non_blocking with pinned memory)
         ├─ SegDataPreProcessor: BGR->RGB, normalise, stack
         └─ training and batch_flip: _flip_batch(inputs, data_samples)

    Args:
        batch_flip (dict, optional): ``dict(prob=0.5, directions=(
            'horizontal', 'vertical'))``: each direction applied to each
            sample with probability ``prob``. None (the default) flips
            nothing; flips then belong in the pipeline.
        non_blocking (bool): Copy to the device asynchronously. Defaults
            to False.
        **kwargs: The arguments of :class:`SegDataPreProcessor`.
    """

    def __init__(self,
                 batch_flip: Optional[dict] = None,
                 non_blocking: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._non_blocking = non_blocking
        self.flip_prob, self.flip_directions = 0.0, ()
        if batch_flip is not None:
            directions = batch_flip.get('directions', ('horizontal', ))
            unknown = set(directions) - set(DIRECTIONS)
            if unknown:
                raise ValueError(f'batch_flip.directions: expected '
                                 f'{sorted(DIRECTIONS)}, got {directions}')
            self.flip_prob = float(batch_flip.get('prob', 0.5))
            if not 0 <= self.flip_prob <= 1:
                raise ValueError(f'batch_flip.prob must be in [0, 1], got '
                                 f'{self.flip_prob}')
            self.flip_directions = tuple(directions)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        data = super().forward(data, training)
        if training:
            for sample in data['data_samples']:
                self._pad_fields(sample)
        if training and self.flip_directions:
            data['inputs'] = self._flip_batch(data['inputs'],
                                              data['data_samples'])
        return data

    def _pad_fields(self, sample) -> None:
        """Pad the pixel fields ``stack_batch`` left as they were."""
        left, right, top, bottom = sample.metainfo.get('padding_size',
                                                       (0, 0, 0, 0))
        if not any((left, right, top, bottom)):
            return
        for name in sample.keys():
            field = getattr(sample, name)
            if name in _PADDED_BY_MMSEG or not isinstance(field, PixelData):
                continue
            data = field.data
            value = 0.0 if data.is_floating_point() else self.seg_pad_val
            del field.data  # PixelData refuses a new shape otherwise
            field.data = F.pad(data, (left, right, top, bottom), value=value)
        if sample.metainfo.get('pad_shape') is None:
            sample.set_metainfo(dict(pad_shape=sample.metainfo['img_shape']))

    def _flip_batch(self, inputs: torch.Tensor,
                    data_samples: Sequence) -> torch.Tensor:
        """Flip samples of the batch (and their pixel fields) in place."""
        draws = torch.rand(len(self.flip_directions), inputs.shape[0],
                           device=inputs.device) < self.flip_prob
        # One transfer for the decisions: the pixel fields are per sample.
        decisions = draws.cpu().tolist()
        for direction, flips in zip(self.flip_directions, decisions):
            chosen = [i for i, flip in enumerate(flips) if flip]
            if not chosen:
                continue
            dim = DIRECTIONS[direction]
            index = torch.tensor(chosen, device=inputs.device)
            inputs[index] = inputs[index].flip(dim)
            for i in chosen:
                _flip_sample(data_samples[i], dim)
        for i, sample in enumerate(data_samples):
            total = sample.metainfo.get('flip_direction') \
                if sample.metainfo.get('flip') else None
            for direction, flips in zip(self.flip_directions, decisions):
                if flips[i]:
                    total = compose_flips(total, direction)
            sample.set_metainfo(dict(flip=total is not None,
                                     flip_direction=total))
            variants = sample.metainfo.get('text_embed_flips')
            if variants is not None:
                # The text of the flipped image (fgi_mmseg.text.flip).
                sample.set_metainfo(
                    dict(text_embed=variants[total or 'none']))
        return inputs


def _flip_sample(sample, dim: int) -> None:
    """Flip every ``PixelData`` field of a data sample along ``dim``."""
    for name in sample.keys():
        field = getattr(sample, name)
        if isinstance(field, PixelData):
            field.data = field.data.flip(dim)
