"""The FGI teacher: an encoder-decoder whose features attend to text."""
from typing import List, Optional, Sequence, Tuple

import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from fgi_mmseg.utils.errors import UserFacingError

from .weakly_supervised_encoder_decoder import (
    WeaklySupervisedEncoderDecoder, relabel)


class TextWidthError(UserFacingError, ValueError):
    """Text embeddings of another width than the batch or the model."""


def collate_text(batch_img_metas: Sequence[dict],
                 device: torch.device) -> Tuple[Tensor, Tensor]:
    """Pad the samples' ``text_embed`` (``L_i x C``) into one batch.

    Args:
        batch_img_metas (Sequence[dict]): Meta information with
            ``text_embed`` (see :class:`PackGazeSegInputs`).
        device (torch.device): Device of the returned tensors.

    Returns:
        tuple[Tensor, Tensor]: Tokens ``B x L x C`` (zeros where padded) and
        mask ``B x L`` (True for real tokens).
    """
    embeds = []
    for meta in batch_img_metas:
        if 'text_embed' not in meta:
            raise KeyError(
                f'sample "{meta.get("sample_id", "?")}" has no text_embed: '
                'add LoadTextEmbedding to the pipeline and text_embed_path '
                "to the dataset's data_prefix")
        embeds.append(torch.as_tensor(meta['text_embed']))
    widths = {e.shape[1] for e in embeds}
    if len(widths) != 1:
        by_width = {}
        for meta, embed in zip(batch_img_metas, embeds):
            by_width.setdefault(embed.shape[1], []).append(
                str(meta.get('sample_id', '?')))
        raise TextWidthError(
            'text embeddings of one batch differ in width: ' + '; '.join(
                f'{w} for {", ".join(ids)}'
                for w, ids in sorted(by_width.items())) +
            ' (encode every sample with the same text encoder)')
    length = max(e.shape[0] for e in embeds)
    tokens = torch.zeros(len(embeds), length, widths.pop(), device=device)
    mask = torch.zeros(len(embeds), length, dtype=torch.bool, device=device)
    for i, embed in enumerate(embeds):
        tokens[i, :len(embed)] = embed.to(device)
        mask[i, :len(embed)] = True
    return tokens, mask


@MODELS.register_module()
class TextGuidedEncoderDecoder(WeaklySupervisedEncoderDecoder):
    """Teacher of FGI (stage 1): text-guided features, sparse supervision.

    The neck (:class:`TextVisionFusionNeck`) receives each sample's text
    embedding ``F_t`` from the meta information, on the training and on
    every inference path.

    .. code-block:: none

        loss(inputs, data_samples)
         ├─ relabel(data_samples, 'gt_sparse_seg')
         ├─ extract_feat(inputs, metas)
         │   ├─ backbone(inputs)              # multi-scale features
         │   └─ neck(feats, *collate_text)    # cross-attention to F_t
         └─ decode_head.loss                  # partial CE on M_sp
        predict / encode_decode(inputs, metas) -> the same features

    Args:
        train_label (str): Defaults to ``gt_sparse_seg``.
        **kwargs: Passed to :class:`WeaklySupervisedEncoderDecoder`; a
            ``neck`` taking ``(feats, text, text_mask)`` is required.
    """

    def __init__(self, train_label: str = 'gt_sparse_seg', **kwargs) -> None:
        super().__init__(train_label=train_label, **kwargs)
        if not self.with_neck:
            raise ValueError('TextGuidedEncoderDecoder needs a text fusion '
                             'neck (e.g. TextVisionFusionNeck)')

    def extract_feat(self, inputs: Tensor,
                     batch_img_metas: Optional[List[dict]] = None
                     ) -> List[Tensor]:
        """Backbone features fused with the samples' text."""
        if batch_img_metas is None:
            raise ValueError('TextGuidedEncoderDecoder needs the meta '
                             'information (with text_embed) of the batch')
        text, text_mask = collate_text(batch_img_metas, inputs.device)
        expected = getattr(self.neck, 'text_channels', None)
        if expected is not None and text.shape[-1] != expected:
            ids = ', '.join(str(m.get('sample_id', '?'))
                            for m in batch_img_metas)
            raise TextWidthError(
                f'text embeddings of width {text.shape[-1]} (samples '
                f'{ids}), but the model expects {expected} '
                '(model.teacher.neck.text_channels): encode with the '
                'matching text encoder or change text_channels')
        return self.neck(self.backbone(inputs), text, text_mask)

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        x = self.extract_feat(inputs, batch_img_metas)
        return self.decode_head.predict(x, batch_img_metas, self.test_cfg)

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> dict:
        samples = relabel(data_samples, self.train_label)
        x = self.extract_feat(inputs, [s.metainfo for s in samples])
        losses = self._decode_head_forward_train(x, samples)
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, samples))
        return losses

    def _forward(self, inputs: Tensor,
                 data_samples: Optional[List[SegDataSample]] = None
                 ) -> Tensor:
        metas = None if data_samples is None else \
            [s.metainfo for s in data_samples]
        return self.decode_head.forward(self.extract_feat(inputs, metas))
