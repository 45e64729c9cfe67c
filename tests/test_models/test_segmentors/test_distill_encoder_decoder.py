import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from tests.test_models.utils import batch, student_cfg, teacher_cfg


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


def _total(losses):
    return sum(v for k, v in losses.items() if k.startswith(('decode.loss',
                                                            'loss_')))


def test_losses_and_no_gradient_into_the_teacher():
    model = MODELS.build(student_cfg())
    model.train()
    inputs, samples = batch()
    losses = model.loss(inputs, samples)
    assert {'decode.loss_ce', 'loss_afc', 'loss_cwc'} <= set(losses)
    _total(losses).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert model.backbone.stages[0][0].conv.weight.grad is not None
    assert all(p.grad is not None for p in model.afc_projections.parameters())


def test_teacher_stays_in_eval_mode():
    model = MODELS.build(student_cfg())
    model.train()
    assert model.backbone.training and not model.teacher.training
    assert not any(m.training for m in model.teacher.modules())


def test_teacher_checkpoint_is_loaded(tmp_path):
    teacher = MODELS.build(teacher_cfg())
    path = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=teacher.state_dict()), path)
    model = MODELS.build(student_cfg(teacher_checkpoint=str(path)))
    model.init_weights()
    for key, value in teacher.state_dict().items():
        assert torch.equal(model.teacher.state_dict()[key], value), key


def test_predict_uses_the_student_alone_without_text():
    model = MODELS.build(student_cfg()).eval()
    inputs, samples = batch()
    for s in samples:
        s.set_metainfo(dict(text_embed=None))
    model.teacher = None  # a deployed student needs no teacher
    out = model.predict(inputs, samples)
    assert out[0].pred_sem_seg.data.shape == (1, 32, 32)


def test_darm_drops_pixels_from_the_label():
    model = MODELS.build(student_cfg(darm=dict(
        ratio=0.5, patch_sizes=(3, ), reference_size=32, source='masks',
        drop_label=255, seed=0)))
    inputs, samples = batch()
    relabelled = []
    original = model.decode_head.loss_by_feat

    def spy(logits, data_samples):
        relabelled.extend(data_samples)
        return original(logits, data_samples)

    model.decode_head.loss_by_feat = spy
    model.loss(inputs, samples)
    dropped = sum((s.gt_sem_seg.data == 255).sum() for s in relabelled)
    assert dropped > 0
    # The caller's samples are untouched.
    assert all((s.gt_comp_seg.data != 255).all() for s in samples)


def test_masks_disagreement_is_the_band_between_thresholds():
    model = MODELS.build(student_cfg())
    inputs, samples = batch()
    sparse = torch.stack([s.gt_sparse_seg.data[0] for s in samples])
    comp = torch.stack([s.gt_comp_seg.data[0] for s in samples])
    model.darm['source'] = 'masks'
    d = model._disagreement(inputs, samples, None)
    assert torch.equal(d, (sparse == 1) != (comp == 1))


def test_cwc_follows_the_rampup():
    hub = MessageHub.get_current_instance()
    model = MODELS.build(student_cfg(darm=None, afc_loss=None,
                                     rampup_ratio=0.5))
    hub.update_info('max_iters', 100)
    hub.update_info('iter', 0)
    assert model.rampup_weight() == pytest.approx(0.006737947)
    hub.update_info('iter', 60)
    assert model.rampup_weight() == 1.0
    hub.update_info('max_iters', None)


def test_disabled_terms_are_absent():
    model = MODELS.build(student_cfg(darm=None, afc_loss=None,
                                     cwc_loss=None))
    inputs, samples = batch()
    assert set(k for k in model.loss(inputs, samples) if 'loss' in k) == \
        {'decode.loss_ce'}
