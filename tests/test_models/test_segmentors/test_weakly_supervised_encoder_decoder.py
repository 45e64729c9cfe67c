import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from fgi_mmseg.models.segmentors import WeaklySupervisedEncoderDecoder
from fgi_mmseg.models.segmentors.weakly_supervised_encoder_decoder import \
    relabel


def _tiny_model(train_label='gt_comp_seg', ignore_index=255):
    return WeaklySupervisedEncoderDecoder(
        train_label=train_label,
        backbone=dict(type='mmseg.ResNetV1c', depth=18, base_channels=4,
                      stem_channels=4, num_stages=1, out_indices=(0, ),
                      strides=(1, ), dilations=(1, )),
        decode_head=dict(
            type='mmseg.FCNHead', in_channels=4, channels=4, num_convs=1,
            dropout_ratio=0,
            num_classes=2, ignore_index=ignore_index,
            loss_decode=dict(type='mmseg.CrossEntropyLoss',
                             avg_non_ignore=True)))


def _sample(gt, comp, sparse):
    sample = SegDataSample(metainfo=dict(
        img_shape=(8, 8), ori_shape=(8, 8), pad_shape=(8, 8),
        sample_id='s'))
    sample.gt_sem_seg = PixelData(data=gt[None])
    sample.gt_comp_seg = PixelData(data=comp[None])
    sample.gt_sparse_seg = PixelData(data=sparse[None])
    return sample


def test_relabel_carries_only_the_pseudo_label():
    gt = torch.ones(8, 8, dtype=torch.long)
    comp = torch.zeros(8, 8, dtype=torch.long)
    out = relabel([_sample(gt, comp, comp)], 'gt_comp_seg')[0]
    assert torch.equal(out.gt_sem_seg.data[0], comp)
    assert 'gt_comp_seg' not in out and 'gt_sparse_seg' not in out
    assert out.metainfo['sample_id'] == 's'


def test_missing_pseudo_label_is_a_clear_error():
    sample = SegDataSample(metainfo=dict(sample_id='s9'))
    with pytest.raises(KeyError, match='"s9" has no "gt_sparse_seg"'):
        relabel([sample], 'gt_sparse_seg')


def test_unknown_train_label_is_rejected():
    with pytest.raises(ValueError, match='train_label'):
        _tiny_model(train_label='gt_sem_seg')


def test_loss_ignores_ground_truth():
    torch.manual_seed(0)
    model = _tiny_model('gt_sparse_seg')
    inputs = torch.randn(2, 3, 8, 8)
    comp = torch.randint(0, 2, (8, 8))
    sparse = torch.where(torch.rand(8, 8) < 0.5, comp, 255)
    losses = [
        model.loss(inputs, [_sample(gt, comp, sparse)] * 2)['decode.loss_ce']
        for gt in (torch.zeros(8, 8, dtype=torch.long),
                   torch.ones(8, 8, dtype=torch.long))
    ]
    assert torch.equal(losses[0], losses[1])
    # ... while the pseudo-label does drive it.
    other = model.loss(inputs, [_sample(comp, comp, 1 - comp)] * 2)
    assert not torch.equal(losses[0], other['decode.loss_ce'])
