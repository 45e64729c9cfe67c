"""The real datasets in ../shared/data build with their splits and load."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from fgi_mmseg.evaluation import MedicalSegMetric
from fgi_mmseg.gaze import save_heatmap
from tests.conftest import shared_data

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBinaryAnnotations'),
    dict(type='LoadGazeHeatmap'),
    dict(type='PackGazeSegInputs'),
]


def _write_heatmap_for(dataset, index, heatmap_dir):
    """A heatmap file (a centred blob) for one sample, as the tools write."""
    import cv2
    info = dataset.get_data_info(index)
    h, w = cv2.imread(info['img_path']).shape[:2]
    yy, xx = np.mgrid[:h, :w]
    blob = np.exp(-((yy - h / 2)**2 + (xx - w / 2)**2) / (2 * (h / 5)**2))
    save_heatmap(str(heatmap_dir / (info['sample_id'] + '.png')),
                 blob.astype(np.float32))
    return info['sample_id']


def _check_sample(dataset_cfg, split_sizes, tmp_path):
    init_default_scope('mmseg')
    for split, size in split_sizes.items():
        dataset = DATASETS.build(
            dict(dataset_cfg, ann_file=f'splits/{split}.txt',
                 data_prefix=dict(dataset_cfg['data_prefix'][split])))
        assert len(dataset) == size, split
    # Load the first test sample with a heatmap written for it.
    heatmap_dir = tmp_path / 'heatmap'
    heatmap_dir.mkdir()
    prefix = dict(dataset_cfg['data_prefix']['test'])
    probe = DATASETS.build(dict(dataset_cfg, ann_file='splits/test.txt',
                                data_prefix=prefix))
    sample_id = _write_heatmap_for(probe, 0, heatmap_dir)
    split_file = tmp_path / 'one.txt'
    split_file.write_text(sample_id + '\n')
    dataset = DATASETS.build(
        dict(dataset_cfg, ann_file=str(split_file), pipeline=PIPELINE,
             data_prefix=dict(prefix, heatmap_path=str(heatmap_dir))))
    data = dataset[0]
    sample = data['data_samples']
    h, w = sample.ori_shape
    assert data['inputs'].shape == (3, h, w)
    gt = sample.gt_sem_seg.data
    assert gt.shape == (1, h, w) and set(gt.unique().tolist()) == {0, 1}
    assert sample.gt_heatmap.data.shape == (1, h, w)
    assert sample.gt_comp_seg.data.sum() > 0
    assert set(sample.gt_sparse_seg.data.unique().tolist()) == {0, 1, 255}
    return sample


def _gt_against_itself(sample):
    metric = MedicalSegMetric()
    gt = sample.gt_sem_seg.data
    metric.process({}, [dict(pred_sem_seg=dict(data=gt),
                             gt_sem_seg=dict(data=gt))])
    return metric.compute_metrics(metric.results)


def test_kvasir_splits_and_sample(tmp_path):
    root = shared_data('kvasir-seg')
    prefix = dict(img_path='images', seg_map_path='masks')
    cfg = dict(type='KvasirSEGDataset', data_root=str(root),
               data_prefix=dict(train=prefix, val=prefix, test=prefix))
    sample = _check_sample(cfg, dict(train=800, val=100, test=100), tmp_path)
    metrics = _gt_against_itself(sample)
    assert metrics['Dice'] == pytest.approx(100.0)
    assert metrics['HD95'] == 0.0 and metrics['ASD'] == 0.0


def test_isic_splits_and_sample(tmp_path):
    root = shared_data('isic2017')
    train = dict(img_path='train/images', seg_map_path='train/masks')
    test = dict(img_path='test/images', seg_map_path='test/masks')
    cfg = dict(type='ISIC2017Dataset', data_root=str(root),
               data_prefix=dict(train=train, val=train, test=test))
    sample = _check_sample(cfg, dict(train=800, val=200, test=98), tmp_path)
    metrics = _gt_against_itself(sample)
    assert metrics['Dice'] == pytest.approx(100.0)
    assert metrics['HD95'] == 0.0
