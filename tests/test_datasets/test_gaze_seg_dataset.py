import os
import shutil

import numpy as np
import pytest
from PIL import Image

from fgi_mmseg.datasets import (DemoPolypDataset, GazeSegDataset,
                                ISIC2017Dataset, SampleLoadError)

PREFIX = dict(
    img_path='images', seg_map_path='masks', heatmap_path='gaze/heatmaps')


def test_demo_split_sizes_and_fields(demo_root):
    dataset = DemoPolypDataset(
        data_root=demo_root, ann_file='splits/train.txt', data_prefix=PREFIX)
    assert len(dataset) == 16
    info = dataset.get_data_info(0)
    assert info['sample_id'] == 'train_0000'
    assert info['img_path'].endswith('images/train_0000.png')
    assert info['seg_map_path'].endswith('masks/train_0000.png')
    assert info['heatmap_path'].endswith('gaze/heatmaps/train_0000.png')
    assert 'text_embed_path' not in info


def _missing_files_error(demo_root, tmp_path, remove) -> tuple:
    """The error of the demo train split after ``remove(root)``."""
    root = tmp_path / 'demo'
    shutil.copytree(demo_root, root)
    remove(root)
    with pytest.raises(FileNotFoundError) as err:
        DemoPolypDataset(
            data_root=str(root), ann_file='splits/train.txt',
            data_prefix=PREFIX)
    return root, str(err.value)


def test_missing_file_names_sample_and_path(demo_root, tmp_path):
    _, message = _missing_files_error(
        demo_root, tmp_path,
        lambda root: os.remove(root / 'gaze/heatmaps/train_0003.png'))
    assert 'train_0003: heatmap_path' in message
    assert 'gaze/heatmaps/train_0003.png' in message
    # The folder exists, so no tool is named.
    assert 'build_gaze.py' not in message


def test_absent_heatmap_folder_names_the_tool_that_writes_it(
        demo_root, tmp_path):
    root, message = _missing_files_error(
        demo_root, tmp_path,
        lambda root: shutil.rmtree(root / 'gaze/heatmaps'))
    assert '16 listed files are missing' in message
    assert (f'folder {root}/gaze/heatmaps (heatmap_path) does not exist; '
            'it is written by tools/gaze/build_gaze.py') in message


def test_missing_split_file_is_named(demo_root):
    with pytest.raises(FileNotFoundError, match='splits/nope.txt'):
        DemoPolypDataset(data_root=demo_root, ann_file='splits/nope.txt')


def test_split_ids_may_carry_the_image_suffix(demo_root, tmp_path):
    split = tmp_path / 'ids.txt'
    split.write_text('train_0001.png\n\ntrain_0002\n')
    dataset = DemoPolypDataset(data_root=demo_root, ann_file=str(split))
    ids = [dataset.get_data_info(i)['sample_id'] for i in range(len(dataset))]
    assert ids == ['train_0001', 'train_0002']


def test_isic_accepts_both_mask_spellings(tmp_path):
    for sub in ('images', 'masks', 'splits'):
        (tmp_path / sub).mkdir()
    Image.new('RGB', (8, 8)).save(tmp_path / 'images/ISIC_0000001.jpg')
    Image.new('RGB', (8, 8)).save(tmp_path / 'images/ISIC_0000002.jpg')
    Image.new('L', (8, 8)).save(
        tmp_path / 'masks/ISIC_0000001_segmentation.png')
    Image.new('L', (8, 8)).save(
        tmp_path / 'masks/ISIC_0000002_Segmentation.png')
    (tmp_path / 'splits/train.txt').write_text('ISIC_0000001\nISIC_0000002\n')
    dataset = ISIC2017Dataset(
        data_root=str(tmp_path), ann_file='splits/train.txt')
    paths = [dataset.get_data_info(i)['seg_map_path'] for i in range(2)]
    assert paths[0].endswith('ISIC_0000001_segmentation.png')
    assert paths[1].endswith('ISIC_0000002_Segmentation.png')


def test_malformed_image_error_names_sample(demo_root, tmp_path):
    root = tmp_path / 'demo'
    shutil.copytree(demo_root, root)
    (root / 'images/train_0002.png').write_bytes(b'not a png')
    dataset = GazeSegDataset(
        data_root=str(root),
        ann_file='splits/train.txt',
        img_suffix='.png',
        pipeline=[dict(type='LoadImageFromFile')])
    with pytest.raises(SampleLoadError, match='"train_0002"'):
        dataset[2]


def test_demo_data_is_seeded(tmp_path):
    from fgi_mmseg.datasets import materialize_demo_data
    splits = (('train', 2), )
    a = materialize_demo_data(str(tmp_path / 'a'), seed=3, size=32,
                              splits=splits)
    b = materialize_demo_data(str(tmp_path / 'b'), seed=3, size=32,
                              splits=splits)
    c = materialize_demo_data(str(tmp_path / 'c'), seed=4, size=32,
                              splits=splits)
    for name in ('images/train_0001.png', 'gaze/heatmaps/train_0001.png'):
        img_a = np.asarray(Image.open(os.path.join(a, name)))
        assert np.array_equal(img_a, np.asarray(Image.open(
            os.path.join(b, name))))
        assert not np.array_equal(img_a, np.asarray(Image.open(
            os.path.join(c, name))))
    # No temporary folders are left next to the data.
    assert sorted(os.listdir(tmp_path)) == ['a', 'b', 'c']
