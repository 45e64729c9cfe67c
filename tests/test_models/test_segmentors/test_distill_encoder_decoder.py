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


def _spy_student_inputs(model):
    """Record every input batch the student's backbone sees."""
    seen = []
    original = model.backbone.forward

    def spy(x):
        seen.append(x.detach().clone())
        return original(x)

    model.backbone.forward = spy
    return seen


def _running_means(model):
    return [m.running_mean.clone() for m in model.backbone.modules()
            if isinstance(m, torch.nn.BatchNorm2d)]


def test_shortcut_free_darm_leaves_bn_to_the_trained_forwards():
    inputs, samples = batch()
    darm = dict(ratio=0.3, patch_sizes=(3, 5), reference_size=32)
    old = MODELS.build(student_cfg(darm=dict(darm, bn_update=True),
                                   afc_loss=None, cwc_loss=None))
    new = MODELS.build(student_cfg(darm=darm, afc_loss=None, cwc_loss=None))
    new.load_state_dict(old.state_dict())
    for model in (old, new):
        model.train()
        model.loss(inputs, samples)
    # Old: the no-grad predictions forward updated the statistics too
    # (two momentum steps), the shortcut-free one only the trained one.
    assert new.backbone.training  # restored after the extra forward
    assert not all(torch.equal(a, b) for a, b in zip(_running_means(old),
                                                     _running_means(new)))


def test_shortcut_free_darm_puts_decoys_outside_and_a_clean_view_in_cwc():
    inputs, samples = batch()
    for s in samples:  # a compact band: the ring between two squares
        comp = torch.zeros(1, 32, 32, dtype=torch.long)
        comp[:, 6:26, 6:26] = 1
        sparse = torch.zeros_like(comp)
        sparse[:, 12:20, 12:20] = 1
        s.gt_comp_seg.data, s.gt_sparse_seg.data = comp, sparse
    darm = dict(ratio=0.3, patch_sizes=(3, ), reference_size=32,
                source='masks', seed=0)
    for decoys, clean in ((0.0, False), (1.0, True)):
        model = MODELS.build(student_cfg(
            darm=dict(darm, decoys=decoys, clean_consistency=clean,
                      bn_update=True), afc_loss=None))
        seen = _spy_student_inputs(model)
        model.loss(inputs, samples)
        patched = seen[0] != inputs
        sparse = torch.stack([s.gt_sparse_seg.data[0] for s in samples])
        comp = torch.stack([s.gt_comp_seg.data[0] for s in samples])
        band = (sparse == 1) != (comp == 1)
        dropped = patched.any(1)
        outside = (dropped & ~band).sum() / dropped.sum()
        if decoys == 0:
            assert len(seen) == 1  # CWC on the patched student output
            assert outside < 0.3  # patches mark the band
        else:
            assert len(seen) == 2
            assert torch.equal(seen[1], inputs)  # CWC on the clean image
            assert 0.4 < outside < 0.75  # as much decoy area as inside


def test_unknown_darm_options_are_refused():
    with pytest.raises(ValueError, match=r"darm: unknown options \['decoy'\]"):
        MODELS.build(student_cfg(darm=dict(decoy=1.0)))


def test_cutmix_noise_view_mixes_student_input_and_teacher_target():
    torch.manual_seed(0)
    model = MODELS.build(student_cfg(darm=None, afc_loss=None,
                                     cwc_view='cutmix_noise', cwc_noise=0.2))
    inputs, samples = batch(num=4, text_lengths=(3, ))
    seen = _spy_student_inputs(model)
    compared = []
    original = model.cwc_loss.forward

    def spy(student, target, valid=None):
        compared.append((student, target))
        return original(student, target, valid)

    model.cwc_loss.forward = spy
    losses = model.loss(inputs, samples)
    assert len(seen) == 2 and torch.equal(seen[0], inputs)
    noise = seen[1] - inputs
    # Outside the pasted boxes: the same image, plus bounded noise.
    assert noise.abs().max() > 0.05
    _, teacher_logits = model._teacher_outputs(
        inputs, [s.metainfo for s in samples])
    student, target = compared[0]
    same = (seen[1] - inputs).abs().amax(1) <= 0.2 + 1e-6
    mixed = ~same
    assert mixed.any() and same.any()
    torch.testing.assert_close(target.permute(0, 2, 3, 1)[same],
                               teacher_logits.permute(0, 2, 3, 1)[same])
    assert torch.isfinite(losses['loss_cwc'])


def test_cwc_region_teacher_ignores_the_students_confidence():
    from fgi_mmseg.models.losses.confidence_weighted_consistency_loss import \
        confidence_weighted_consistency as cwc
    teacher = torch.tensor([4.0, -4.0]).view(1, 2, 1, 1).repeat(1, 1, 2, 2)
    unsure = torch.zeros(1, 2, 2, 2)  # p_S = 0.5: not confident
    assert cwc(unsure, teacher, region='joint') == 0
    # max p_T -log p_S(y_T) + min p_T -log(1 - p_S(other)), max + min = 1
    expected = -torch.log(torch.tensor(0.5))
    torch.testing.assert_close(cwc(unsure, teacher, region='teacher'),
                               expected)
    with pytest.raises(ValueError, match='region'):
        cwc(unsure, teacher, region='student')
