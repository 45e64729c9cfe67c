"""GazeMedSeg (Zhong et al., MICCAI 2024): one network per gaze level."""
from typing import List, Optional, Sequence

import torch
from mmengine.model import ModuleList
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from .weakly_supervised_encoder_decoder import relabel


class LevelHeads(ModuleList):
    """The per-level decode heads, with the first head's ``threshold``.

    :meth:`BaseSegmentor.postprocess_result` reads
    ``self.decode_head.threshold`` for single-channel (sigmoid) outputs;
    all levels are built from one config, so they share it.
    """

    @property
    def threshold(self) -> Optional[float]:
        return self[0].threshold


@MODELS.register_module()
class MultiLevelGazeEncoderDecoder(EncoderDecoder):
    """GazeMedSeg: K copies of an encoder-decoder, one per gaze level.

    Level ``k`` is a full network of its own (backbone, optional neck,
    decode head; no weights shared), all built from the one
    ``backbone``/``neck``/``decode_head`` config, and is supervised by the
    binary mask of its threshold level, ``data_samples[i].<level_fields[k]>``
    (see ``level_thresholds`` of ``LoadGazeHeatmap``). ``gt_sem_seg`` never
    reaches the loss. As in the authors' code, ``init_weights`` gives all
    copies the weights of level 0, so they differ only by their labels.

    .. code-block:: none

        loss(inputs, data_samples)
         ├─ per level k: backbone[k] ─ decode_head[k].decode ─► f_k
         │               decode_head[k].cls_seg(f_k) ─► logits_k
         │               decode_head[k].loss_by_feat(logits_k, level mask)
         └─ consistency_loss(f, logits, [decode_head[k].cls_seg])
              # propagate f_k (5 x 5, dilation 2), re-classify, pull
              # towards the other levels' detached predictions

        predict / encode_decode: mean_k logits_k

    The modules live in ``ModuleList`` s under the usual names, so the
    checkpoint keys are ``backbone.<k>.*`` and ``decode_head.<k>.*``.
    Heads must expose their feature before the classifier as ``decode``
    (:class:`UNetHead`) or ``_forward_feature`` (mmseg heads).

    Args:
        backbone (dict): Config of one level's backbone.
        decode_head (dict): Config of one level's decode head: 2-class CE
            (``num_classes=2``) or BCE (``out_channels=1`` with
            ``use_sigmoid=True``); the two are equivalent.
        level_fields (Sequence[str]): Data-sample fields of the level
            masks, one network per field. Defaults to
            ``('gt_level0_seg', 'gt_level1_seg')`` (thresholds 0.5, 0.3).
        consistency_loss (dict, optional): Config of the cross-level loss;
            None trains the levels independently.
        same_init (bool): Copy level 0's initial weights to all levels in
            ``init_weights``. Defaults to True.
        neck (dict, optional): Config of one level's neck.
        **kwargs: ``train_cfg``, ``test_cfg``, ``data_preprocessor``,
            ``pretrained``, ``init_cfg`` of :class:`EncoderDecoder`.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 level_fields: Sequence[str] = ('gt_level0_seg',
                                                'gt_level1_seg'),
                 consistency_loss: Optional[dict] = dict(
                     type='CrossLevelPropagationConsistencyLoss',
                     kernel_size=5,
                     dilation=2,
                     loss_weight=3.0),
                 same_init: bool = True,
                 neck: Optional[dict] = None,
                 **kwargs) -> None:
        if 'auxiliary_head' in kwargs:
            raise ValueError('MultiLevelGazeEncoderDecoder has no '
                             'auxiliary heads')
        if len(level_fields) < 1 or len(set(level_fields)) != \
                len(level_fields):
            raise ValueError(f'level_fields must name distinct fields, got '
                             f'{level_fields}')
        super().__init__(
            backbone=backbone, decode_head=decode_head, neck=neck, **kwargs)
        self.level_fields = tuple(level_fields)
        self._build_levels(backbone, decode_head, neck)
        if consistency_loss is not None and self.num_levels < 2:
            raise ValueError('the cross-level consistency needs at least '
                             'two levels')
        self.consistency_loss = MODELS.build(consistency_loss) \
            if consistency_loss else None
        self.same_init = same_init

    @property
    def num_levels(self) -> int:
        """K, the number of threshold levels (and of networks)."""
        return len(self.level_fields)

    def _build_levels(self, backbone: dict, decode_head: dict,
                      neck: Optional[dict]) -> None:
        """Turn the single network built by EncoderDecoder into K copies."""
        extra = range(self.num_levels - 1)
        self.backbone = ModuleList([self.backbone] +
                                   [MODELS.build(backbone) for _ in extra])
        if self.with_neck:
            self.neck = ModuleList([self.neck] +
                                   [MODELS.build(neck) for _ in extra])
        self.decode_head = LevelHeads(
            [self.decode_head] + [MODELS.build(decode_head) for _ in extra])

    def init_weights(self) -> None:
        super().init_weights()
        if not self.same_init:
            return
        levels = [self.backbone, self.decode_head]
        if self.with_neck:
            levels.append(self.neck)
        for modules in levels:
            for module in modules[1:]:
                module.load_state_dict(modules[0].state_dict())

    def extract_feat(self, inputs: Tensor) -> List[List[Tensor]]:
        """The multi-scale features of every level (a list per level)."""
        return [self._level_feat(inputs, k) for k in range(self.num_levels)]

    def _level_feat(self, inputs: Tensor, level: int) -> List[Tensor]:
        x = self.backbone[level](inputs)
        if self.with_neck:
            x = self.neck[level](x)
        return x

    def _decoder_feature(self, level: int, feats: List[Tensor]) -> Tensor:
        """Level ``level``'s decoded feature, the classifier's input."""
        head = self.decode_head[level]
        if hasattr(head, 'decode'):
            return head.decode(feats)
        if hasattr(head, '_forward_feature'):
            return head._forward_feature(feats)
        raise TypeError(f'{type(head).__name__} exposes no feature before '
                        'its classifier (decode or _forward_feature)')

    def _level_samples(self, data_samples: List[SegDataSample],
                       level: int) -> List[SegDataSample]:
        """Samples whose ``gt_sem_seg`` is the mask of level ``level``."""
        field = self.level_fields[level]
        for sample in data_samples:
            if field not in sample:
                raise KeyError(
                    f'sample "{sample.metainfo.get("sample_id", "?")}" has '
                    f'no "{field}": give LoadGazeHeatmap level_thresholds '
                    f'(one per level) in the train pipeline')
        return relabel(data_samples, field)

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Mean of the level logits, resized to the input image size."""
        return torch.stack([
            head.predict(feats, batch_img_metas, self.test_cfg)
            for head, feats in zip(self.decode_head, self.extract_feat(inputs))
        ]).mean(dim=0)

    def _forward(self,
                 inputs: Tensor,
                 data_samples: Optional[List[SegDataSample]] = None) -> Tensor:
        """Mean of the level logits at the heads' resolution."""
        return torch.stack([
            head.forward(feats)
            for head, feats in zip(self.decode_head, self.extract_feat(inputs))
        ]).mean(dim=0)

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> dict:
        """Per-level loss on the level masks plus the cross-level term.

        Returns:
            dict: ``level{k}.loss_*`` (and ``level{k}.acc_seg``) per level,
            and the consistency loss under its ``loss_name``.
        """
        losses = {}
        level_feats, level_logits = [], []
        for k, feats in enumerate(self.extract_feat(inputs)):
            head = self.decode_head[k]
            feat = self._decoder_feature(k, feats)
            logits = head.cls_seg(feat)
            samples = self._level_samples(data_samples, k)
            level_losses = head.loss_by_feat(logits, samples)
            losses.update({
                f'level{k}.{n}': v
                for n, v in level_losses.items()
            })
            level_feats.append(feat)
            level_logits.append(logits)
        if self.consistency_loss is not None:
            losses[self.consistency_loss.loss_name] = self.consistency_loss(
                level_feats, level_logits,
                [head.cls_seg for head in self.decode_head])
        return losses
