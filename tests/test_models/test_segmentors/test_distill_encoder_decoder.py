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


def _count_teacher_samples(model):
    seen = []
    original = model.teacher.extract_feat

    def spy(inputs, metas):
        seen.append(len(inputs))
        return original(inputs, metas)

    model.teacher.extract_feat = spy
    return seen


def test_cached_teacher_outputs_equal_computed_ones():
    cached = MODELS.build(student_cfg(darm=None))
    plain = MODELS.build(student_cfg(darm=None, teacher_cache=None))
    plain.load_state_dict(cached.state_dict())
    inputs, samples = batch(num=3, text_lengths=(3, 5, 4))
    cached.loss(inputs, samples)  # fills the cache
    seen = _count_teacher_samples(cached)
    hit = cached.loss(inputs, samples)
    assert seen == [] and cached.teacher_cache.hits == 3
    ref = plain.loss(inputs, samples)
    for key in ('decode.loss_ce', 'loss_afc', 'loss_cwc'):
        torch.testing.assert_close(hit[key], ref[key], rtol=1e-5, atol=1e-6)


def test_teacher_runs_only_on_samples_missing_from_the_cache():
    model = MODELS.build(student_cfg(darm=None))
    inputs, samples = batch(num=2)
    model.loss(inputs[:1], samples[:1])
    seen = _count_teacher_samples(model)
    model.loss(inputs, samples)
    assert seen == [1]  # sample 0 came from the cache
    # A flipped image, or the same image with other text, is another input.
    model.loss(inputs.flip(-1), samples)
    samples[0].set_metainfo(dict(text_embed=samples[1].text_embed))
    model.loss(inputs, samples)
    assert seen == [1, 2, 1]
    assert len(model.teacher_cache) == 5


def test_teacher_cache_respects_its_budget_and_can_be_disabled():
    model = MODELS.build(student_cfg(darm=None,
                                     teacher_cache=dict(max_bytes=0)))
    inputs, samples = batch()
    seen = _count_teacher_samples(model)
    model.loss(inputs, samples)
    model.loss(inputs, samples)
    assert seen == [2, 2] and len(model.teacher_cache) == 0
    off = MODELS.build(student_cfg(darm=None, teacher_cache=None))
    assert off.teacher_cache is None


def test_teacher_cache_stores_half_precision_on_request():
    model = MODELS.build(student_cfg(
        darm=None, teacher_cache=dict(dtype='float16')))
    inputs, samples = batch()
    model.loss(inputs, samples)
    feats, logits = model.teacher_cache.get(
        model.teacher_cache.key(inputs[0], samples[0].text_embed),
        torch.float32)
    assert logits.dtype == torch.float32
    stored = next(iter(model.teacher_cache._entries.values()))[1]
    assert stored.dtype == torch.float16
    with pytest.raises(ValueError, match='teacher_cache.dtype'):
        MODELS.build(student_cfg(teacher_cache=dict(dtype='float17')))


def test_cache_hit_rate_is_logged_but_not_a_loss():
    model = MODELS.build(student_cfg(darm=None))
    inputs, samples = batch()
    assert model.loss(inputs, samples)['teacher_cache_hit'] == 0
    losses = model.loss(inputs, samples)
    assert losses['teacher_cache_hit'] == 1
    loss, log_vars = model.parse_losses(losses)
    assert float(loss) == pytest.approx(float(_total(losses)))
    assert float(log_vars['teacher_cache_hit']) == 1
