"""The FGI student (stage 2): distilled from a frozen text-guided teacher."""
import contextlib
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.runner.checkpoint import load_checkpoint
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from ..utils import (DARM_PATCHES, TeacherOutputCache, apply_darm_to_samples,
                     current_rampup_weight, cutmix, cutmix_boxes, darm_mask,
                     resize_logits)
from .weakly_supervised_encoder_decoder import relabel


# DARM options (see DistillEncoderDecoder's docstring); the last three are
# the shortcut guards.
DARM_DEFAULTS = dict(
    DARM_PATCHES, source='predictions', drop_label=255, seed=0, decoys=1.0,
    clean_consistency=True, bn_update=False)



@contextlib.contextmanager
def _frozen_norm(model: nn.Module, frozen: bool):
    """Normalisation layers in eval mode (no running-statistics update)
    for an extra forward pass, restored afterwards."""
    norms = [m for m in model.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm) and
             m.training] if frozen else []
    for m in norms:
        m.eval()
    try:
        yield
    finally:
        for m in norms:
            m.train()


@MODELS.register_module()
class DistillEncoderDecoder(EncoderDecoder):
    """Student of FGI: ``CE(M_comp) + AFC + w(t) * CWC`` with DARM.

    The student is a plain encoder-decoder (no text); the teacher, a frozen
    :class:`TextGuidedEncoderDecoder`, sees the clean image and its text.
    ``predict`` and exports use the student alone.

    .. code-block:: none

        loss(inputs, data_samples)
         ├─ _teacher_outputs(inputs, metas)       # no grad: X'_k, p_T,
         │                                        # cached per sample
         ├─ DARM: disagreement (teacher vs student predictions, or
         │        M_sp vs M_comp) -> drop patches (+ decoys outside it)
         │        from input and label
         ├─ student: extract_feat(masked) -> Z_k, decode_head -> p_S
         ├─ decode_head.loss_by_feat  # CE on M_comp (dropped = ignore)
         ├─ afc_loss(proj_k(Z_k), X'_k)           # Eq. 9
         └─ w(t) * cwc_loss(p_S(view), p_T(view))  # Eqs. 10-12
              view 'clean': the student's input (unpatched with a
                            shortcut-free DARM: one more forward)
              view 'cutmix_noise': CutMix of (image + U(-n, n)) against
                            the teacher's clean logits cut-mixed alike

    Args:
        teacher (dict): Config of the teacher segmentor.
        teacher_checkpoint (str, optional): Weights of the trained teacher,
            loaded by ``init_weights`` (the two-stage runner fills it in).
        distill_indices (Sequence[int]): Scales compared by AFC: indices
            into both the student's and the teacher's feature lists.
        student_channels (Sequence[int]): Widths of the student features
            at ``distill_indices``; teacher widths are read from its neck.
        afc_loss (dict, optional): AFC loss config; None disables it.
        cwc_loss (dict, optional): CWC loss config; None disables it.
        cwc_view (str): What the student sees in the CWC term: ``'clean'``
            (the paper) or ``'cutmix_noise'`` (the released code's cross
            supervision: the student on a CutMix of noisy images against
            the teacher's cached clean-view logits, cut-mixed the same
            way; one more student forward).
        cwc_noise (float): Half-width of the uniform noise of the
            ``cutmix_noise`` view, in normalised input units.
        cwc_cutmix_beta (float): Beta parameter of the CutMix area.
        rampup_ratio (float): Ramp-up length of ``w(t)`` as a fraction of
            the schedule.
        darm (dict, optional): ``ratio``, ``patch_sizes``,
            ``reference_size``, ``source`` (``predictions`` or ``masks``),
            ``drop_label`` (255 ignore, or 0 background), ``seed``, and the
            three guards against its shortcut (patches placed where the
            label is uncertain mark the lesion, and at test time there are
            none): ``decoys`` (area of decoy patches outside the
            disagreement, as a multiple of the area inside; default 1.0),
            ``clean_consistency`` (the CWC term sees the unpatched image;
            default True) and ``bn_update`` (whether the no-grad student
            forward of the ``predictions`` source updates BatchNorm
            statistics; default False). ``decoys=0,
            clean_consistency=False, bn_update=True`` is DARM as it was
            first implemented, for the record. Options not given are
            :data:`DARM_DEFAULTS`'s; None disables DARM.
        train_label (str): Student supervision, ``gt_comp_seg``.
        teacher_cache (dict, optional): ``max_bytes`` (and ``dtype``) of a
            :class:`TeacherOutputCache` that keeps the frozen teacher's
            outputs per sample, so later epochs skip its forward pass;
            None computes them at every step.
        **kwargs: Passed to :class:`EncoderDecoder` (the student).
    """

    def __init__(self,
                 teacher: dict,
                 student_channels: Sequence[int],
                 teacher_checkpoint: Optional[str] = None,
                 distill_indices: Sequence[int] = (1, 2, 3, 4),
                 afc_loss: Optional[dict] = dict(
                     type='AngularFeatureConsistencyLoss', loss_weight=0.1),
                 cwc_loss: Optional[dict] = dict(
                     type='ConfidenceWeightedConsistencyLoss'),
                 cwc_view: str = 'clean',
                 cwc_noise: float = 0.2,
                 cwc_cutmix_beta: float = 4.0,
                 rampup_ratio: float = 4000 / 15000,
                 darm: Optional[dict] = DARM_DEFAULTS,
                 train_label: str = 'gt_comp_seg',
                 teacher_cache: Optional[dict] = dict(max_bytes=2 * 1024**3),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        teacher = dict(teacher)
        teacher.pop('data_preprocessor', None)  # inputs arrive normalised
        self.teacher = MODELS.build(teacher)
        self.teacher.requires_grad_(False)
        self.teacher_checkpoint = teacher_checkpoint
        self.distill_indices = list(distill_indices)
        teacher_channels = self.teacher.neck.in_channels
        if len(student_channels) != len(self.distill_indices):
            raise ValueError('student_channels needs one width per '
                             'distill index')
        # Z_k: the student's feature projected to the teacher's width.
        self.afc_projections = nn.ModuleList(
            nn.Conv2d(c, teacher_channels[k], 1)
            for c, k in zip(student_channels, self.distill_indices))
        self.afc_loss = MODELS.build(afc_loss) if afc_loss else None
        self.cwc_loss = MODELS.build(cwc_loss) if cwc_loss else None
        if cwc_view not in ('clean', 'cutmix_noise'):
            raise ValueError(f"cwc_view must be 'clean' or 'cutmix_noise', "
                             f'got {cwc_view!r}')
        self.cwc_view = cwc_view
        self.cwc_noise = cwc_noise
        self.cwc_cutmix_beta = cwc_cutmix_beta
        self.rampup_ratio = rampup_ratio
        unknown = set(darm or ()) - set(DARM_DEFAULTS)
        if unknown:
            raise ValueError(f'darm: unknown options {sorted(unknown)}; '
                             f'expected some of {sorted(DARM_DEFAULTS)}')
        self.darm = dict(DARM_DEFAULTS, **darm) if darm else None
        if self.darm and self.darm['source'] not in ('predictions', 'masks'):
            raise ValueError(f'darm.source must be predictions or masks, '
                             f'got {self.darm["source"]}')
        self.train_label = train_label
        self.teacher_cache = TeacherOutputCache(**teacher_cache) \
            if teacher_cache is not None else None
        self._generator = None

    def init_weights(self) -> None:
        super().init_weights()
        if self.teacher_checkpoint:
            # A stage-1 checkpoint holds the teacher as a model of its own,
            # so it loads into self.teacher without key prefixes.
            load_checkpoint(self.teacher, self.teacher_checkpoint,
                            map_location='cpu', strict=True)
            print_log(f'Loaded the teacher from {self.teacher_checkpoint}',
                      logger='current')
        if self.teacher_cache is not None:
            self.teacher_cache.clear()

    def train(self, mode: bool = True) -> 'DistillEncoderDecoder':
        """Keep the frozen teacher in eval mode (BN statistics, dropout)."""
        super().train(mode)
        self.teacher.eval()
        return self

    def loss(self, inputs: Tensor, data_samples: List[SegDataSample]) -> dict:
        hits = self.teacher_cache.hits if self.teacher_cache else 0
        teacher_feats, teacher_logits = self._teacher_outputs(
            inputs, [s.metainfo for s in data_samples])

        samples = relabel(data_samples, self.train_label)
        clean = inputs
        if self.darm:
            inputs, samples = self._apply_darm(inputs, samples, data_samples,
                                               teacher_logits)
        feats = self.extract_feat(inputs)
        logits = self.decode_head(feats)

        losses = self.decode_head.loss_by_feat(logits, samples)
        losses = {f'decode.{k}': v for k, v in losses.items()}
        if self.teacher_cache is not None:
            # Logged next to the losses (not summed: no 'loss' in the name).
            losses['teacher_cache_hit'] = inputs.new_tensor(
                (self.teacher_cache.hits - hits) / len(inputs))
        if self.afc_loss is not None:
            student = [proj(feats[k]) for proj, k in
                       zip(self.afc_projections, self.distill_indices)]
            losses[self.afc_loss.loss_name] = self.afc_loss(
                student, teacher_feats)
        if self.cwc_loss is not None:
            student, target = self._consistency_pair(
                clean, inputs is not clean, logits, teacher_logits)
            losses[self.cwc_loss.loss_name] = self.rampup_weight() * \
                self.cwc_loss(student, target)
        return losses

    def _consistency_pair(self, clean: Tensor, patched: bool,
                          logits: Tensor,
                          teacher_logits: Tensor) -> Tuple[Tensor, Tensor]:
        """Student and teacher logits of the view the CWC term compares."""
        if self.cwc_view == 'cutmix_noise':
            target = resize_logits(teacher_logits, clean.shape[-2:])
            noisy = clean + torch.empty_like(clean).uniform_(
                -self.cwc_noise, self.cwc_noise)
            partner, box = cutmix_boxes(clean.shape, self.cwc_cutmix_beta,
                                        clean.device)
            noisy, target = cutmix((noisy, target), partner, box)
            student = self.decode_head(self.extract_feat(noisy))
        elif patched and self.darm['clean_consistency']:
            # The unpatched view: without it every student loss sees
            # patches, which are absent at test time.
            student, target = self.decode_head(
                self.extract_feat(clean)), teacher_logits
        else:
            student, target = logits, teacher_logits
        return student, resize_logits(target, student.shape[-2:])

    @torch.no_grad()
    def _teacher_outputs(self, inputs: Tensor,
                         metas: List[dict]) -> Tuple[List[Tensor], Tensor]:
        """Teacher features at ``distill_indices`` and logits, batched.

        Only the samples missing from the cache go through the teacher;
        its eval-mode forward is per sample, so a sub-batch gives each
        sample the outputs the full batch would.
        """
        if self.teacher_cache is None:
            feats = self.teacher.extract_feat(inputs, metas)
            return ([feats[k] for k in self.distill_indices],
                    self.teacher.decode_head(feats))
        cache = self.teacher_cache
        # One device-to-host copy per batch (on a GPU, one sync, not 8).
        host = inputs.detach().cpu()
        keys = [cache.key(img, meta.get('text_embed'))
                for img, meta in zip(host, metas)]
        missing = cache.lookup(keys)
        fresh = {}
        if missing:
            feats = self.teacher.extract_feat(inputs[missing],
                                              [metas[i] for i in missing])
            logits = self.teacher.decode_head(feats)
            feats = [feats[k] for k in self.distill_indices]
            for j, i in enumerate(missing):
                fresh[i] = ([f[j] for f in feats], logits[j])
                cache.store(keys[i], *fresh[i])
        outputs = [
            fresh[i] if i in fresh else cache.get(key, inputs.dtype)
            for i, key in enumerate(keys)
        ]
        feats = [
            torch.stack([o[0][s] for o in outputs])
            for s in range(len(self.distill_indices))
        ]
        return feats, torch.stack([o[1] for o in outputs])

    def rampup_weight(self) -> float:
        """``w(t)`` at the runner's current iteration (1 outside a run)."""
        return current_rampup_weight(self.rampup_ratio)

    def _disagreement(self, inputs: Tensor,
                      data_samples: List[SegDataSample],
                      teacher_logits: Tensor) -> Tensor:
        """B x H x W map of where the two supervision signals disagree."""
        if self.darm['source'] == 'masks':
            sparse = torch.stack(
                [s.gt_sparse_seg.data[0] for s in data_samples])
            comp = torch.stack([s.gt_comp_seg.data[0] for s in data_samples])
            # The band t_comp <= H < t_fg: foreground for one mask only.
            return (sparse == 1) != (comp == 1)
        with torch.no_grad(), _frozen_norm(self, not self.darm['bn_update']):
            student_logits = self.decode_head(self.extract_feat(inputs))
        size = inputs.shape[-2:]
        teacher_pred = F.interpolate(teacher_logits, size, mode='bilinear',
                                     align_corners=False).argmax(1)
        student_pred = F.interpolate(student_logits, size, mode='bilinear',
                                     align_corners=False).argmax(1)
        return teacher_pred != student_pred

    def _apply_darm(self, inputs: Tensor, samples: List[SegDataSample],
                    data_samples: List[SegDataSample],
                    teacher_logits: Tensor) -> tuple:
        if self._generator is None or \
                self._generator.device != inputs.device:
            self._generator = torch.Generator(device=inputs.device)
            self._generator.manual_seed(self.darm['seed'])
        disagreement = self._disagreement(inputs, data_samples,
                                          teacher_logits)
        patches = dict(patch_sizes=self.darm['patch_sizes'],
                       reference_size=self.darm['reference_size'],
                       generator=self._generator)
        drop = darm_mask(disagreement, ratio=self.darm['ratio'], **patches)
        if self.darm['decoys'] > 0:
            # As much patched area where the label is sure as where it is
            # not, so that a patch no longer tells where the lesion is.
            outside = ~disagreement
            inside_area = drop.flatten(1).sum(1).float()
            ratio = (self.darm['decoys'] * inside_area /
                     outside.flatten(1).sum(1).clamp(min=1)).clamp(max=1)
            drop = drop | darm_mask(outside, ratio=ratio, **patches)
        return apply_darm_to_samples(inputs, samples, drop,
                                     self.darm['drop_label'])
