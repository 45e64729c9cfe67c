"""CrossSupervisedEncoderDecoder: the released FGI recipe, both networks."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from tests.test_models.utils import STUDENT_WIDTHS, batch, teacher_cfg


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


def released_cfg(**kwargs):
    cfg = dict(
        type='CrossSupervisedEncoderDecoder',
        teacher=teacher_cfg(),
        student_channels=[STUDENT_WIDTHS[i] for i in (1, 2, 3)],
        distill_indices=(1, 2, 3),
        backbone=dict(type='UNetEncoder', widths=STUDENT_WIDTHS),
        decode_head=dict(
            type='UNetHead', in_channels=list(STUDENT_WIDTHS), num_classes=2,
            dropout_ratio=0,
            loss_decode=dict(type='CrossEntropyLoss', avg_non_ignore=True)),
        darm=dict(ratio=0.5, patch_sizes=(3, ), reference_size=32,
                  drop_label=0, seed=0),
        test_cfg=ConfigDict(mode='whole'))
    cfg.update(kwargs)
    return cfg


def _binary(samples):
    """The teacher's mask of the released recipe has no ignored band."""
    for s in samples:
        s.gt_sparse_seg.data = (s.gt_sparse_seg.data == 1).long()
    return samples


def _total(losses):
    return sum(v for k, v in losses.items() if 'loss' in k)


def test_both_networks_learn_from_their_masks_and_each_other():
    torch.manual_seed(0)
    model = MODELS.build(released_cfg()).train()
    inputs, samples = batch()
    losses = model.loss(inputs, _binary(samples))
    assert {'teacher.loss_pce', 'decode.loss_ce', 'teacher.loss_cross',
            'loss_cross', 'loss_feat'} <= set(losses)
    _total(losses).backward()
    assert model.teacher.backbone.stages[0][0].conv.weight.grad is not None
    assert model.backbone.stages[0][0].conv.weight.grad is not None
    assert all(p.grad is not None
               for p in model.feature_projections.parameters())


def test_darm_patches_the_band_between_the_masks_as_background():
    model = MODELS.build(released_cfg())
    inputs, samples = batch()
    samples = _binary(samples)
    labelled = []
    original = model.decode_head.loss_by_feat

    def spy(logits, data_samples):
        labelled.extend(s.gt_sem_seg.data.clone() for s in data_samples)
        return original(logits, data_samples)

    model.decode_head.loss_by_feat = spy
    seen = []
    backbone = model.backbone.forward
    model.backbone.forward = lambda x: seen.append(x) or backbone(x)
    model.loss(inputs, samples)
    comp = torch.stack([s.gt_comp_seg.data for s in samples])[:, 0]
    label = torch.stack(labelled)[:, 0]
    relabelled = (comp == 1) & (label == 0)
    assert relabelled.any()
    patched = (seen[0] == 0).all(1)  # the student's input, zeroed
    assert patched[relabelled].all()
    assert (label[patched] == 0).all()


def test_the_ground_truth_never_reaches_a_loss():
    inputs, samples = batch()
    samples = _binary(samples)
    results = []
    for fill in (0, 1):
        torch.manual_seed(0)
        model = MODELS.build(released_cfg())
        torch.manual_seed(1)
        for s in samples:
            s.gt_sem_seg.data = torch.full_like(s.gt_sem_seg.data, fill)
        losses = model.loss(inputs, samples)
        results.append({k: v.item() for k, v in losses.items()})
    assert results[0] == results[1]


def test_predict_uses_the_student_alone_without_text():
    model = MODELS.build(released_cfg()).eval()
    inputs, samples = batch()
    for s in samples:
        s.set_metainfo(dict(text_embed=None))
    out = model.predict(inputs, samples)
    assert out[0].pred_sem_seg.data.shape == (1, 32, 32)
