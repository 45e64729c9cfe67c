"""GazeSegDataPreProcessor: batch flips move every pixel field along."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from fgi_mmseg.models import GazeSegDataPreProcessor


def _data(num=6, size=8):
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for i in range(num):
        image = torch.randint(0, 255, (3, size, size), generator=g).float()
        sample = SegDataSample(metainfo=dict(img_shape=(size, size),
                                             sample_id=f's{i}'))
        # Every field is a function of the image, so flips must agree.
        sample.gt_comp_seg = PixelData(data=(image[:1] > 127).long())
        sample.gt_heatmap = PixelData(data=image[:1] / 255)
        sample.gt_level0_seg = PixelData(data=(image[1:2] > 100).long())
        inputs.append(image)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _flipped_back(image, sample):
    dims = {None: [], 'horizontal': [-1], 'vertical': [-2],
            'diagonal': [-1, -2]}[sample.flip_direction]
    return image.flip(dims) if dims else image


def test_batch_flip_flips_image_and_fields_together():
    torch.manual_seed(0)
    pre = GazeSegDataPreProcessor(
        size=(8, 8),
        batch_flip=dict(prob=0.5, directions=('horizontal', 'vertical')))
    data = _data()
    originals = [x.clone() for x in data['inputs']]
    out = pre(data, training=True)
    directions = [s.flip_direction for s in out['data_samples']]
    assert len(set(directions)) > 1  # some flipped, some not
    for image, sample, original in zip(out['inputs'], out['data_samples'],
                                       originals):
        assert sample.flip == (sample.flip_direction is not None)
        torch.testing.assert_close(_flipped_back(image, sample), original)
        torch.testing.assert_close(
            sample.gt_comp_seg.data, (image[:1] > 127).long())
        torch.testing.assert_close(sample.gt_heatmap.data, image[:1] / 255)
        torch.testing.assert_close(sample.gt_level0_seg.data,
                                   (image[1:2] > 100).long())


def test_no_flips_at_test_time_or_without_batch_flip():
    data = _data()
    originals = torch.stack([x.clone() for x in data['inputs']])
    pre = GazeSegDataPreProcessor(size=(8, 8), batch_flip=dict(prob=1.0))
    torch.testing.assert_close(pre(_data(), training=False)['inputs'],
                               originals)
    plain = GazeSegDataPreProcessor(size=(8, 8))
    torch.testing.assert_close(plain(_data(), training=True)['inputs'],
                               originals)


def test_bad_batch_flip_is_refused():
    with pytest.raises(ValueError, match='batch_flip.directions'):
        GazeSegDataPreProcessor(batch_flip=dict(directions=('diagonal', )))
    with pytest.raises(ValueError, match='batch_flip.prob'):
        GazeSegDataPreProcessor(batch_flip=dict(prob=2))


def test_every_pixel_field_is_padded_like_the_image():
    """mmseg pads only gt_sem_seg: the gaze fields of a smaller sample
    must come out at the batch's size, labels with the ignore value."""
    data = _data(num=2)
    small = data['data_samples'][1]
    data['inputs'][1] = data['inputs'][1][:, :6, :5]
    for name in ('gt_comp_seg', 'gt_heatmap', 'gt_level0_seg'):
        setattr(small, name,
                PixelData(data=getattr(small, name).data[:, :6, :5]))
    small.gt_sem_seg = PixelData(data=torch.ones(1, 6, 5).long())
    small.set_metainfo(dict(img_shape=(6, 5)))
    kept = {name: getattr(small, name).data.clone()
            for name in ('gt_comp_seg', 'gt_heatmap', 'gt_level0_seg')}
    out = GazeSegDataPreProcessor(size=(8, 8), seg_pad_val=255)(
        data, training=True)
    sample = out['data_samples'][1]
    assert out['inputs'].shape[-2:] == (8, 8)
    for name, original in kept.items():
        padded = getattr(sample, name).data
        assert padded.shape[-2:] == (8, 8)
        torch.testing.assert_close(padded[:, :6, :5], original)
        fill = 0.0 if original.is_floating_point() else 255
        assert (padded[:, 6:, :] == fill).all()
        assert (padded[:, :, 5:] == fill).all()
    assert sample.gt_sem_seg.data.shape[-2:] == (8, 8)  # mmseg's own
    full = out['data_samples'][0]  # already at the size: untouched
    assert full.gt_heatmap.data.shape[-2:] == (8, 8)
    assert (full.gt_comp_seg.data != 255).all()
