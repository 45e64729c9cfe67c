import cv2
import numpy as np
import pytest
import torch

from fgi_mmseg.datasets import SampleLoadError
from fgi_mmseg.datasets.transforms import (SegFieldsRandomFlip,
                                           SegFieldsResize,
                                           LoadBinaryAnnotations,
                                           LoadGazeHeatmap, LoadTextEmbedding,
                                           PackGazeSegInputs)


def _results(**kwargs):
    results = dict(sample_id='s1', seg_fields=[], ori_shape=(6, 8))
    results.update(kwargs)
    return results


def test_binary_annotations_threshold_jpeg_noise(tmp_path):
    mask = np.zeros((6, 8), np.uint8)
    mask[:, 4:] = 255
    mask[0, 0] = 127  # compression noise below the threshold
    mask[0, 4] = 128  # and at it
    path = str(tmp_path / 'm.png')
    cv2.imwrite(path, mask)
    out = LoadBinaryAnnotations()(_results(seg_map_path=path))
    expected = np.zeros((6, 8), np.uint8)
    expected[:, 4:] = 1
    assert np.array_equal(out['gt_seg_map'], expected)
    assert out['seg_fields'] == ['gt_seg_map']


def test_binary_annotations_accept_zero_one_masks(tmp_path):
    mask = np.zeros((6, 8), np.uint8)
    mask[2:4, 2:4] = 1
    path = str(tmp_path / 'm.png')
    cv2.imwrite(path, mask)
    out = LoadBinaryAnnotations()(_results(seg_map_path=path))
    assert np.array_equal(out['gt_seg_map'], mask)


def test_binary_annotations_size_mismatch_names_file(tmp_path):
    path = str(tmp_path / 'm.png')
    cv2.imwrite(path, np.zeros((5, 8), np.uint8))
    with pytest.raises(SampleLoadError,
                       match=r'sample "s1": seg_map_path file .*m\.png.*size'):
        LoadBinaryAnnotations()(_results(seg_map_path=path))


def test_missing_mask_names_sample_and_file(tmp_path):
    with pytest.raises(SampleLoadError, match=r'"s1".*absent\.png'):
        LoadBinaryAnnotations()(
            _results(seg_map_path=str(tmp_path / 'absent.png')))


def test_gaze_heatmap_pseudo_masks(tmp_path):
    heatmap = np.tile(np.linspace(0, 1, 8, dtype=np.float32), (6, 1))
    path = str(tmp_path / 'h.npy')
    np.save(path, heatmap)
    out = LoadGazeHeatmap(t_fg=0.5, t_bg=0.2, t_comp=0.3)(
        _results(heatmap_path=path))
    row = heatmap[0]
    assert np.allclose(out['gt_heatmap'], heatmap)
    assert np.array_equal(out['gt_comp_seg'][0], (row >= 0.3).astype(np.uint8))
    expected_sparse = np.where(row >= 0.5, 1, np.where(row <= 0.2, 0, 255))
    assert np.array_equal(out['gt_sparse_seg'][0], expected_sparse)
    assert out['seg_fields'] == ['gt_heatmap', 'gt_sparse_seg', 'gt_comp_seg']


def test_text_embedding_checks_shape_and_width(tmp_path):
    path = str(tmp_path / 'e.npy')
    np.save(path, np.zeros((3, 4), np.float64))
    out = LoadTextEmbedding(embed_dim=4)(_results(text_embed_path=path))
    assert out['text_embed'].shape == (3, 4)
    assert out['text_embed'].dtype == np.float32
    with pytest.raises(SampleLoadError, match='expected width 5, got 4'):
        LoadTextEmbedding(embed_dim=5)(_results(text_embed_path=path))
    np.save(path, np.zeros(4, np.float32))
    with pytest.raises(SampleLoadError, match=r'L x C, got shape \(4,\)'):
        LoadTextEmbedding()(_results(text_embed_path=path))


@pytest.mark.parametrize('flip_variants', [False, True])
def test_text_embedding_passes_a_sample_without_text(flip_variants, tmp_path):
    """Without ``text_embed_path`` (a dataset without text) nothing is
    loaded; with it, a missing file still names the sample and file."""
    load = LoadTextEmbedding(flip_variants=flip_variants)
    assert load(_results()) == _results()
    with pytest.raises(SampleLoadError, match=r'"s1".*absent\.npy'):
        load(_results(text_embed_path=str(tmp_path / 'absent.npy')))


def _gaze_sample():
    img = np.zeros((6, 8, 3), np.uint8)
    img[0, 0] = 255  # a marker in the top-left corner
    heat = np.zeros((6, 8), np.float32)
    heat[0, 0] = 1.0
    label = np.zeros((6, 8), np.uint8)
    label[0, 0] = 1
    return _results(img=img, img_shape=(6, 8), gt_seg_map=label.copy(),
                    gt_heatmap=heat, gt_comp_seg=label.copy(),
                    gt_sparse_seg=label.copy(),
                    seg_fields=['gt_seg_map', 'gt_heatmap', 'gt_comp_seg',
                                'gt_sparse_seg'])


@pytest.mark.parametrize('direction,corner', [('horizontal', (0, 7)),
                                              ('vertical', (5, 0)),
                                              ('diagonal', (5, 7))])
def test_flip_moves_every_field_with_the_image(direction, corner):
    out = SegFieldsRandomFlip(prob=1.0, direction=direction)(_gaze_sample())
    assert out['img'][corner].max() == 255
    for key in ('gt_seg_map', 'gt_heatmap', 'gt_comp_seg', 'gt_sparse_seg'):
        assert out[key][corner] == 1, key
        assert out[key].sum() == 1, key


def test_resize_moves_every_field_and_keeps_types():
    sample = _gaze_sample()
    sample['gt_sparse_seg'][1, 1] = 255
    out = SegFieldsResize(scale=(16, 12), keep_ratio=False)(sample)
    for key in ('gt_seg_map', 'gt_heatmap', 'gt_comp_seg', 'gt_sparse_seg'):
        assert out[key].shape == (12, 16), key
    assert out['gt_heatmap'].dtype == np.float32
    assert set(np.unique(out['gt_sparse_seg'])) <= {0, 1, 255}
    assert 0 <= out['gt_heatmap'].min() and out['gt_heatmap'].max() <= 1
    assert out['gt_comp_seg'][:2, :2].all()


def test_pack_gaze_fields_and_text():
    sample = _gaze_sample()
    sample['img_path'] = 'x.png'
    sample['text_embed'] = np.ones((3, 4), np.float32)
    packed = PackGazeSegInputs()(sample)
    data_sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 6, 8)
    assert data_sample.gt_sem_seg.data.shape == (1, 6, 8)
    assert data_sample.gt_comp_seg.data.dtype == torch.int64
    assert data_sample.gt_sparse_seg.data.shape == (1, 6, 8)
    assert data_sample.gt_heatmap.data.dtype == torch.float32
    assert data_sample.metainfo['text_embed'].shape == (3, 4)
    assert data_sample.metainfo['sample_id'] == 's1'


def test_pack_puts_the_text_in_without_another_copy():
    sample = _gaze_sample()
    sample['text_embed'] = np.ones((3, 4), np.float32)
    sample['text_embed_flips'] = {'none': sample['text_embed'],
                                  'horizontal': np.zeros((3, 4), np.float32)}
    data_sample = PackGazeSegInputs()(sample)['data_samples']
    # Views of the sample's arrays (the cached pipeline head already
    # copied them): no per-sample deep copy of five L x C tensors.
    assert np.shares_memory(data_sample.text_embed.numpy(),
                            sample['text_embed'])
    flips = data_sample.text_embed_flips
    assert set(flips) == {'none', 'horizontal'}
    assert np.shares_memory(flips['horizontal'].numpy(),
                            sample['text_embed_flips']['horizontal'])
    assert 'text_embed' in data_sample.metainfo_keys()


def test_pack_names_the_heatmap_file_only_when_there_is_one():
    # The panel hook reads the file of a case whose pipeline loads no
    # heatmap from the meta information.
    sample = _gaze_sample()
    sample['heatmap_path'] = 'gaze/heatmaps/s1.png'
    packed = PackGazeSegInputs()(sample)['data_samples']
    assert packed.metainfo['heatmap_path'] == 'gaze/heatmaps/s1.png'
    assert 'heatmap_path' not in PackGazeSegInputs()(
        _gaze_sample())['data_samples'].metainfo


def test_the_names_before_the_rename_still_build():
    from mmseg.registry import TRANSFORMS
    assert type(TRANSFORMS.build(dict(type='GazeResize', scale=(8, 8)))) \
        is SegFieldsResize
    assert type(TRANSFORMS.build(dict(type='GazeRandomFlip', prob=0.5))) \
        is SegFieldsRandomFlip


@pytest.mark.parametrize('prob', [0.0, 0.3, 0.5, 0.7, 1.0])
@pytest.mark.parametrize('direction', ['horizontal', 'vertical'])
def test_flip_draws_what_mmcv_draws_for_a_seed(prob, direction):
    from mmcv.transforms import RandomFlip
    ours = SegFieldsRandomFlip(prob=prob, direction=direction)
    theirs = RandomFlip(prob=prob, direction=direction)
    draws = {}
    for name, flip in (('ours', ours), ('mmcv', theirs)):
        np.random.seed(3)
        draws[name] = [flip._choose_direction() for _ in range(2000)]
        draws[name].append(np.random.random_sample())  # the same stream
    assert draws['ours'] == draws['mmcv']
    assert set(draws['ours'][:-1]) <= {direction, None}


def test_flip_with_several_directions_keeps_mmcv_draw():
    from mmcv.transforms import RandomFlip
    kwargs = dict(prob=[0.3, 0.3], direction=['horizontal', 'vertical'])
    draws = []
    for flip in (SegFieldsRandomFlip(**kwargs), RandomFlip(**kwargs)):
        np.random.seed(1)
        draws.append([flip._choose_direction() for _ in range(300)])
    assert draws[0] == draws[1]
    assert set(draws[0]) == {'horizontal', 'vertical', None}


@pytest.mark.parametrize('contiguous', [True, False])
def test_pack_equals_mmseg_packing(contiguous):
    from mmseg.datasets.transforms import PackSegInputs
    sample = _gaze_sample()
    if not contiguous:  # as a flip leaves the image before packing
        sample['img'] = sample['img'][:, ::-1]
    sample.update(img_path='x.png', flip=True, flip_direction='horizontal',
                  gt_edge_map=sample['gt_seg_map'].copy(),
                  gt_depth_map=sample['gt_heatmap'].astype(np.float64))
    ours = PackGazeSegInputs()(dict(sample))
    theirs = PackSegInputs(meta_keys=PackGazeSegInputs().meta_keys)(
        dict(sample))
    assert torch.equal(ours['inputs'], theirs['inputs'])
    assert ours['inputs'].is_contiguous()
    for field in ('gt_sem_seg', 'gt_edge_map', 'gt_depth_map'):
        a, b = (getattr(p['data_samples'], field).data for p in (ours,
                                                                theirs))
        assert a.dtype == b.dtype and torch.equal(a, b), field
    assert ours['data_samples'].metainfo == theirs['data_samples'].metainfo


def test_gray_image_packs_with_a_channel_axis():
    sample = _gaze_sample()
    sample['img'] = sample['img'][..., 0]
    assert PackGazeSegInputs()(sample)['inputs'].shape == (1, 6, 8)


def test_pack_copies_mutable_meta_values():
    sample = _gaze_sample()
    sample['scale_factor'] = [1.0, 2.0]
    packed = PackGazeSegInputs()(sample)['data_samples']
    sample['scale_factor'].append(3.0)
    assert packed.metainfo['scale_factor'] == [1.0, 2.0]
