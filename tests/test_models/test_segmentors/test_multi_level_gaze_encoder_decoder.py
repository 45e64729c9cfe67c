import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from fgi_mmseg.models.segmentors import MultiLevelGazeEncoderDecoder

WIDTHS = (2, 4, 4, 8)
LEVELS = ('gt_level0_seg', 'gt_level1_seg')


def _model(**kwargs):
    head = dict(
        type='UNetHead', in_channels=list(WIDTHS), num_classes=2,
        dropout_ratio=0, loss_decode=dict(type='CrossEntropyLoss'))
    head.update(kwargs.pop('head', {}))
    torch.manual_seed(0)
    return MultiLevelGazeEncoderDecoder(
        backbone=dict(type='UNetEncoder', widths=WIDTHS),
        decode_head=head,
        test_cfg=ConfigDict(mode='whole'),
        **kwargs)


def _batch(num=2, size=16, seed=0):
    """Inputs and samples with a nested pair of level masks."""
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(num, 3, size, size, generator=g)
    samples = []
    for i in range(num):
        heat = torch.rand(size, size, generator=g)
        sample = SegDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            pad_shape=(size, size), sample_id=f's{i}'))
        sample.gt_level0_seg = PixelData(data=(heat >= 0.5).long()[None])
        sample.gt_level1_seg = PixelData(data=(heat >= 0.3).long()[None])
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 2, (1, size, size), generator=g))
        samples.append(sample)
    return inputs, samples


def test_loss_keys_per_level_and_consistency():
    losses = _model().loss(*_batch())
    assert set(losses) == {
        'level0.loss_ce', 'level0.acc_seg', 'level1.loss_ce',
        'level1.acc_seg', 'loss_consistency'
    }
    assert all(torch.isfinite(v).all() for v in losses.values())


def test_networks_are_per_level_copies_with_the_same_init():
    model = _model()
    assert len(model.backbone) == len(model.decode_head) == 2
    assert model.backbone[0] is not model.backbone[1]
    model.init_weights()
    state = model.state_dict()
    for key, value in state.items():
        if key.startswith(('backbone.0.', 'decode_head.0.')):
            other = key.replace('.0.', '.1.', 1)
            assert torch.equal(value, state[other]), key


@pytest.mark.parametrize('size', [16, 32])
def test_shapes_at_two_input_sizes(size):
    model = _model().eval()
    inputs, samples = _batch(size=size)
    assert model(inputs, mode='tensor').shape == (2, 2, size, size)
    with torch.no_grad():
        out = model.predict(inputs, samples)
    assert out[0].pred_sem_seg.data.shape == (1, size, size)
    assert out[0].seg_logits.data.shape == (2, size, size)


def test_prediction_is_the_mean_of_the_level_logits():
    model = _model().eval()
    inputs, samples = _batch()
    with torch.no_grad():
        levels = [
            model.decode_head[k](model.backbone[k](inputs)) for k in (0, 1)
        ]
        mean = (levels[0] + levels[1]) / 2
        logits = model.encode_decode(inputs,
                                     [s.metainfo for s in samples])
        pred = model.predict(inputs, samples)
    assert not torch.allclose(levels[0], levels[1])
    assert torch.allclose(logits, mean, atol=1e-6)
    assert torch.equal(pred[0].pred_sem_seg.data[0], mean[0].argmax(0))


def test_ground_truth_never_reaches_the_loss():
    model = _model()
    inputs, samples = _batch()
    clean = model.loss(inputs, samples)
    for sample in samples:
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 2, sample.gt_sem_seg.shape)[None])
    noisy = model.loss(inputs, samples)
    assert all(torch.equal(clean[k], noisy[k]) for k in clean)


def test_each_level_is_supervised_by_its_own_mask():
    model = _model(consistency_loss=None)
    inputs, samples = _batch()
    before = model.loss(inputs, samples)
    for sample in samples:
        sample.gt_level1_seg.data = 1 - sample.gt_level1_seg.data
    after = model.loss(inputs, samples)
    assert torch.equal(before['level0.loss_ce'], after['level0.loss_ce'])
    assert not torch.equal(before['level1.loss_ce'], after['level1.loss_ce'])


def test_consistency_trains_every_level():
    model = _model()
    model.loss(*_batch())['loss_consistency'].backward()
    for k in (0, 1):
        grad = model.decode_head[k].conv_seg.weight.grad
        assert grad is not None and grad.abs().sum() > 0


def test_sigmoid_head_predicts_by_threshold():
    model = _model(head=dict(
        out_channels=1, threshold=0.5,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)))
    inputs, samples = _batch()
    assert 'level1.loss_ce' in model.loss(inputs, samples)
    model.eval()
    with torch.no_grad():
        out = model.predict(inputs, samples)
    expected = (out[0].seg_logits.data > 0.5).to(out[0].seg_logits.data)
    assert torch.equal(out[0].pred_sem_seg.data, expected)


def test_missing_level_mask_names_the_sample_and_the_fix():
    inputs, samples = _batch()
    del samples[1].gt_level1_seg
    with pytest.raises(KeyError, match='"s1" has no "gt_level1_seg".*'
                       'level_thresholds'):
        _model().loss(inputs, samples)


def test_consistency_needs_two_levels():
    with pytest.raises(ValueError, match='two levels'):
        _model(level_fields=('gt_level0_seg', ))
    assert _model(level_fields=('gt_level0_seg', ),
                  consistency_loss=None).num_levels == 1
