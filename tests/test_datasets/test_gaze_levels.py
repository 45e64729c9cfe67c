"""Threshold-level masks of LoadGazeHeatmap (GazeMedSeg's supervision)."""
import numpy as np
import torch
from mmcv.transforms import Compose

from fgi_mmseg.datasets.transforms import (LoadGazeHeatmap, PackGazeSegInputs,
                                           SegFieldsRandomFlip,
                                           SegFieldsResize)

LEVEL_KEYS = ('gt_level0_seg', 'gt_level1_seg')


def _heatmap_file(tmp_path):
    heatmap = np.tile(np.linspace(0, 1, 8, dtype=np.float32), (6, 1))
    path = str(tmp_path / 'h.npy')
    np.save(path, heatmap)
    return path, heatmap


def _results(**kwargs):
    results = dict(sample_id='s1', seg_fields=[], ori_shape=(6, 8))
    results.update(kwargs)
    return results


def test_level_masks_threshold_the_heatmap(tmp_path):
    path, heatmap = _heatmap_file(tmp_path)
    out = LoadGazeHeatmap(level_thresholds=(0.5, 0.3))(
        _results(heatmap_path=path))
    for key, threshold in zip(LEVEL_KEYS, (0.5, 0.3)):
        assert out[key].dtype == np.uint8
        assert np.array_equal(out[key], (heatmap >= threshold).astype(
            np.uint8)), key
    assert out['seg_fields'] == [
        'gt_heatmap', 'gt_sparse_seg', 'gt_comp_seg', *LEVEL_KEYS
    ]


def test_no_level_masks_by_default(tmp_path):
    path, _ = _heatmap_file(tmp_path)
    out = LoadGazeHeatmap()(_results(heatmap_path=path))
    assert not any(key.startswith('gt_level') for key in out)


def test_level_masks_move_with_the_image_and_are_packed(tmp_path):
    path, heatmap = _heatmap_file(tmp_path)
    img = np.zeros((6, 8, 3), np.uint8)
    pipeline = Compose([
        LoadGazeHeatmap(level_thresholds=(0.5, 0.3)),
        SegFieldsResize(scale=(16, 12), keep_ratio=False),
        SegFieldsRandomFlip(prob=1.0, direction='horizontal'),
        PackGazeSegInputs(),
    ])
    packed = pipeline(
        _results(heatmap_path=path, img=img, img_shape=(6, 8),
                 img_path='x.png'))
    sample = packed['data_samples']
    for key, threshold in zip(LEVEL_KEYS, (0.5, 0.3)):
        level = sample.get(key).data
        assert level.dtype == torch.int64 and level.shape == (1, 12, 16)
        # Resized (nearest) and flipped like the heatmap: the left half
        # of the flipped mask is the right (foreground) half of the heatmap.
        expected = np.fliplr(np.repeat(np.repeat(
            heatmap >= threshold, 2, axis=0), 2, axis=1))
        assert np.array_equal(level[0].numpy(), expected), key
    assert 'gt_sem_seg' not in sample
