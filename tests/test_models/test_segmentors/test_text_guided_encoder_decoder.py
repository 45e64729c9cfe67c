import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from fgi_mmseg.models.segmentors import collate_text
from tests.test_models.utils import TEXT_DIM, batch, teacher_cfg


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


def test_collate_text_pads_and_masks():
    metas = [dict(text_embed=torch.ones(2, 3)),
             dict(text_embed=torch.ones(4, 3))]
    tokens, mask = collate_text(metas, torch.device('cpu'))
    assert tokens.shape == (2, 4, 3)
    assert mask.tolist() == [[True, True, False, False], [True] * 4]
    assert tokens[0, 2:].abs().sum() == 0


def test_collate_text_errors():
    with pytest.raises(KeyError, match='"s7" has no text_embed'):
        collate_text([dict(sample_id='s7')], torch.device('cpu'))
    with pytest.raises(ValueError, match='differ in width'):
        collate_text([dict(text_embed=torch.ones(2, 3)),
                      dict(text_embed=torch.ones(2, 4))],
                     torch.device('cpu'))


@pytest.mark.parametrize('size', [32, 48])
def test_loss_and_predict_at_two_sizes(size):
    model = MODELS.build(teacher_cfg())
    inputs, samples = batch(size=size)
    losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['decode.loss_pce'])
    model.eval()
    out = model.predict(inputs, samples)
    assert out[0].pred_sem_seg.data.shape == (1, size, size)


def test_text_changes_the_prediction():
    torch.manual_seed(0)
    model = MODELS.build(teacher_cfg()).eval()
    inputs, samples = batch()
    a = model._forward(inputs, samples)
    for s in samples:
        s.set_metainfo(dict(text_embed=torch.randn_like(s.text_embed)))
    assert not torch.allclose(a, model._forward(inputs, samples))


def test_supervised_by_the_sparse_mask_only():
    torch.manual_seed(0)
    model = MODELS.build(teacher_cfg())
    inputs, samples = batch()
    before = model.loss(inputs, samples)['decode.loss_pce']
    for s in samples:
        s.gt_sem_seg.data = 1 - s.gt_sem_seg.data  # ground truth: unused
        s.gt_comp_seg.data = 1 - s.gt_comp_seg.data  # comprehensive: unused
    assert torch.equal(before, model.loss(inputs, samples)['decode.loss_pce'])


def test_concat_fusion_and_one_stage():
    model = MODELS.build(teacher_cfg(fusion_indices=(3, ), mode='concat'))
    inputs, samples = batch()
    assert torch.isfinite(model.loss(inputs, samples)['decode.loss_pce'])


def test_text_widths_are_checked_naming_the_samples():
    from fgi_mmseg.models.segmentors.text_guided_encoder_decoder import \
        TextWidthError
    model = MODELS.build(teacher_cfg())
    inputs, samples = batch()
    samples[1].set_metainfo(dict(text_embed=torch.randn(3, TEXT_DIM + 1)))
    with pytest.raises(TextWidthError, match=rf'{TEXT_DIM} for s0; '
                       rf'{TEXT_DIM + 1} for s1'):
        model.loss(inputs, samples)
    for s in samples:
        s.set_metainfo(dict(text_embed=torch.randn(3, TEXT_DIM + 1)))
    with pytest.raises(TextWidthError, match=rf'width {TEXT_DIM + 1} '
                       rf'\(samples s0, s1\), but the model expects '
                       rf'{TEXT_DIM}'):
        model.loss(inputs, samples)
