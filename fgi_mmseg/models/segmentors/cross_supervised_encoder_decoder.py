"""FGI as the authors' released code trains it: both networks at once."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from ..utils import (DARM_PATCHES, apply_darm_to_samples,
                     current_rampup_weight, cutmix, cutmix_boxes, darm_mask,
                     resize_logits)
from .weakly_supervised_encoder_decoder import relabel

# The released code's DARM: the paper's patches where the two masks
# disagree, dropped pixels labelled background.
RELEASED_DARM = dict(DARM_PATCHES, drop_label=0, seed=0)


@MODELS.register_module()
class CrossSupervisedEncoderDecoder(EncoderDecoder):
    """The released FGI recipe (``jingkunchen/FGI``, ``trainers/gaze_sup.py``).

    Unlike the paper's two stages (:class:`DistillEncoderDecoder` after a
    trained teacher), the released code trains the text-guided teacher and
    the student together, online, from one loss::

        CE_T(M_small) + CE_S(DARM(M_large))
            + w(t) * (CRC(T(mix), mix(S)) + CRC(S(mix), mix(T)))
            + feature_weight * w(t) * cos_loss(proj(Z_k), X'_k)

    .. code-block:: none

        loss(inputs, data_samples)
         ├─ teacher: extract_feat(inputs, text) -> X'_k, logits_T
         ├─ DARM (masks source): patches where M_small != M_large, dropped
         │        from the student's input and its M_large label
         ├─ student: extract_feat(patched) -> Z_k, logits_S
         ├─ CE of each network on its own mask
         ├─ cross supervision, each way: the network on a CutMix of
         │   (image + U(-n, n)) vs the other's detached logits cut-mixed
         │   the same way, on the pixels where that target is confident
         │   (ConfidenceWeightedConsistencyLoss, region='teacher')
         └─ feature cosine loss (AngularFeatureConsistencyLoss) on the
             student's projected features vs the detached teacher's
        predict: the student alone (the network that is evaluated)

    Decisions where the released code is ambiguous or wrong:

    * Checkpoints are selected on the validation split (the released code
      selects on the test split).
    * Its label swap (exchange the two masks where the "small" one is
      larger) never triggers, since ``H >= 0.5`` is inside ``H >= 0.3`` by
      construction; it is left out.
    * The student's cross-supervision target for the teacher is the
      student's output on its own (patched) input, as released; the
      teacher's target for the student is its clean-view output.
    * The teacher's text stays the sample's own in its CutMix view (as
      released: the text of the pasted box's image is not mixed in).
    * The noise is added in normalised input units; the weight ramp is
      :func:`sigmoid_rampup` over ``rampup_ratio`` of the schedule (the
      released code ramps over a fixed 4,000 iterations).
    * Both networks share one optimizer: AdamW and SGD are per-parameter,
      so this equals the released two optimizers with equal settings.
    * Dropped pixels get ``darm.drop_label`` (0, background, as released).

    Args:
        teacher (dict): Config of the text-guided teacher
            (:class:`TextGuidedEncoderDecoder`); it is trained here.
        student_channels (Sequence[int]): Student widths at
            ``distill_indices``.
        distill_indices (Sequence[int]): Scales of the feature loss.
        teacher_label (str): The teacher's mask (the smaller one).
        train_label (str): The student's mask (the larger one).
        consistency_loss (dict): Cross-supervision loss config.
        feature_loss (dict, optional): Feature loss config (released:
            weight 0.5 * 0.1 = 0.05); None disables it.
        noise (float): Half-width of the uniform input noise.
        cutmix_beta (float): Beta parameter of the CutMix area.
        rampup_ratio (float): Length of ``w(t)`` as a fraction of the
            schedule.
        darm (dict, optional): ``ratio``, ``patch_sizes``,
            ``reference_size``, ``drop_label`` and ``seed`` of the patches
            (see :func:`darm_mask`); those not given are
            :data:`RELEASED_DARM`'s. None disables DARM.
        **kwargs: Passed to :class:`EncoderDecoder` (the student).
    """

    def __init__(self,
                 teacher: dict,
                 student_channels: Sequence[int],
                 distill_indices: Sequence[int] = (1, 2, 3, 4),
                 teacher_label: str = 'gt_sparse_seg',
                 train_label: str = 'gt_comp_seg',
                 consistency_loss: dict = dict(
                     type='ConfidenceWeightedConsistencyLoss',
                     region='teacher', loss_name='loss_cross'),
                 feature_loss: dict = dict(
                     type='AngularFeatureConsistencyLoss', loss_weight=0.05,
                     loss_name='loss_feat'),
                 noise: float = 0.2,
                 cutmix_beta: float = 4.0,
                 rampup_ratio: float = 0.25,
                 darm: Optional[dict] = RELEASED_DARM,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        teacher = dict(teacher)
        teacher.pop('data_preprocessor', None)  # inputs arrive normalised
        self.teacher = MODELS.build(teacher)
        self.distill_indices = list(distill_indices)
        if len(student_channels) != len(self.distill_indices):
            raise ValueError('student_channels needs one width per '
                             'distill index')
        teacher_channels = self.teacher.neck.in_channels
        self.feature_projections = nn.ModuleList(
            nn.Conv2d(c, teacher_channels[k], 1)
            for c, k in zip(student_channels, self.distill_indices))
        self.teacher_label = teacher_label
        self.train_label = train_label
        self.consistency_loss = MODELS.build(consistency_loss)
        self.feature_loss = MODELS.build(feature_loss) \
            if feature_loss else None
        self.noise = noise
        self.cutmix_beta = cutmix_beta
        self.rampup_ratio = rampup_ratio
        self.darm = dict(RELEASED_DARM, **darm) if darm else None
        self._generator = None

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> dict:
        metas = [s.metainfo for s in data_samples]
        teacher_feats = self.teacher.extract_feat(inputs, metas)
        teacher_logits = self.teacher.decode_head(teacher_feats)
        teacher_samples = relabel(data_samples, self.teacher_label)
        losses = {
            f'teacher.{k}': v for k, v in
            self.teacher.decode_head.loss_by_feat(
                teacher_logits, teacher_samples).items()
        }

        samples = relabel(data_samples, self.train_label)
        student_inputs = inputs
        if self.darm:
            student_inputs, samples = self._apply_darm(inputs, samples,
                                                       data_samples)
        feats = self.extract_feat(student_inputs)
        logits = self.decode_head(feats)
        losses.update({
            f'decode.{k}': v for k, v in
            self.decode_head.loss_by_feat(logits, samples).items()
        })

        weight = self.rampup_weight()
        teacher_cross, student_cross = self._cross_supervision(
            inputs, metas, teacher_logits.detach(), logits.detach())
        name = self.consistency_loss.loss_name
        losses[f'teacher.{name}'] = weight * teacher_cross
        losses[name] = weight * student_cross
        if self.feature_loss is not None:
            student = [proj(feats[k]) for proj, k in
                       zip(self.feature_projections, self.distill_indices)]
            teacher = [teacher_feats[k].detach()
                       for k in self.distill_indices]
            losses[self.feature_loss.loss_name] = weight * \
                self.feature_loss(student, teacher)
        return losses

    def _cross_supervision(self, inputs: Tensor, metas: List[dict],
                           teacher_logits: Tensor,
                           student_logits: Tensor) -> Tuple[Tensor, Tensor]:
        """Each network on its own CutMix+noise view against the other's
        detached logits, mixed the same way."""
        mixed, target = self._mixed_view(inputs, student_logits)
        logits = self.teacher.decode_head(
            self.teacher.extract_feat(mixed, metas))
        teacher_loss = self.consistency_loss(
            logits, resize_logits(target, logits.shape[-2:]))
        mixed, target = self._mixed_view(inputs, teacher_logits)
        logits = self.decode_head(self.extract_feat(mixed))
        student_loss = self.consistency_loss(
            logits, resize_logits(target, logits.shape[-2:]))
        return teacher_loss, student_loss

    def _mixed_view(self, inputs: Tensor,
                    target: Tensor) -> Tuple[Tensor, Tensor]:
        """CutMix of (inputs + U(-noise, noise)) and of the target."""
        noisy = inputs + torch.empty_like(inputs).uniform_(
            -self.noise, self.noise)
        partner, box = cutmix_boxes(inputs.shape, self.cutmix_beta,
                                    inputs.device)
        target = resize_logits(target, inputs.shape[-2:])
        return cutmix((noisy, target), partner, box)

    def _apply_darm(self, inputs: Tensor, samples: List[SegDataSample],
                    data_samples: List[SegDataSample]) -> tuple:
        """Patches where the two masks disagree (the released source)."""
        if self._generator is None or \
                self._generator.device != inputs.device:
            self._generator = torch.Generator(device=inputs.device)
            self._generator.manual_seed(self.darm['seed'])
        small = torch.stack([getattr(s, self.teacher_label).data[0]
                             for s in data_samples])
        large = torch.stack([getattr(s, self.train_label).data[0]
                             for s in data_samples])
        drop = darm_mask(
            (small == 1) != (large == 1),
            ratio=self.darm['ratio'],
            patch_sizes=self.darm['patch_sizes'],
            reference_size=self.darm['reference_size'],
            generator=self._generator)
        return apply_darm_to_samples(inputs, samples, drop,
                                     self.darm['drop_label'])

    def rampup_weight(self) -> float:
        """``w(t)`` at the runner's current iteration (1 outside a run)."""
        return current_rampup_weight(self.rampup_ratio)

