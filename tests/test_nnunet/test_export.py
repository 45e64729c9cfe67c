"""fgi_mmseg.nnunet.export and tools/misc/export_nnunet.py."""
import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from fgi_mmseg.nnunet.export import (ExportError, export_nnunet,
                                     export_pipeline)
from tests.conftest import REPO, run_tool

DEMO_CONFIG = REPO / 'configs' / 'baselines' / 'nnunet_gaze_demo.py'
T_COMP = 0.3  # demo_polyp.py's gaze_thresholds
SIZE = (64, 64)  # demo_polyp.py's crop_size


def demo_config(data_root: str) -> Config:
    cfg = Config.fromfile(str(DEMO_CONFIG))
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
    return cfg


def _ids(root: str, split: str) -> list:
    return Path(root, 'splits', f'{split}.txt').read_text().split()


def _png(path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


@pytest.fixture(scope='module')
def gaze_export(demo_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('raw')
    return export_nnunet(demo_config(demo_root), 'gaze', str(out), 7)


def test_the_layout_is_nnunets_with_our_split_as_fold_0(gaze_export,
                                                        demo_root):
    folder = Path(gaze_export)
    assert folder.name == 'Dataset007_DemoPolypDataset_gaze'
    train, val, test = (_ids(demo_root, s) for s in ('train', 'val', 'test'))
    assert sorted(p.name for p in (folder / 'imagesTr').iterdir()) == \
        sorted(f'{i}_0000.png' for i in train + val)
    assert sorted(p.name for p in (folder / 'labelsTr').iterdir()) == \
        sorted(f'{i}.png' for i in train + val)
    assert sorted(p.name for p in (folder / 'imagesTs').iterdir()) == \
        sorted(f'{i}_0000.png' for i in test)
    assert json.loads((folder / 'splits_final.json').read_text()) == [
        dict(train=train, val=val)]
    meta = json.loads((folder / 'dataset.json').read_text())
    assert meta['channel_names'] == {'0': 'R', '1': 'G', '2': 'B'}
    assert meta['labels'] == dict(background=0, lesion=1)
    assert meta['numTraining'] == len(train) + len(val)
    assert meta['file_ending'] == '.png'
    assert meta['overwrite_image_reader_writer'] == 'NaturalImage2DIO'


def test_images_are_resized_as_the_protocol_resizes_them(gaze_export,
                                                         demo_root):
    case = _ids(demo_root, 'test')[0]
    original = cv2.imread(f'{demo_root}/images/{case}.png')
    expected = cv2.resize(original, SIZE, interpolation=cv2.INTER_LINEAR)
    exported = _png(Path(gaze_export, 'imagesTs', f'{case}_0000.png'))
    np.testing.assert_array_equal(exported, expected)


def test_gaze_labels_are_the_comprehensive_mask_at_t_comp(gaze_export,
                                                          demo_root):
    for case in _ids(demo_root, 'train')[:4] + _ids(demo_root, 'val')[:1]:
        heatmap = _png(f'{demo_root}/gaze/heatmaps/{case}.png') / 255.0
        comp = (heatmap >= T_COMP).astype(np.uint8)
        expected = cv2.resize(comp, SIZE, interpolation=cv2.INTER_NEAREST)
        label = _png(Path(gaze_export, 'labelsTr', f'{case}.png'))
        np.testing.assert_array_equal(label, expected)
        assert 0 < label.sum() < label.size


def test_ground_truth_never_reaches_a_gaze_export(demo_root, gaze_export,
                                                  tmp_path):
    """With every mask file replaced by an all-foreground one the gaze
    export is unchanged: its labels cannot come from the masks."""
    root = tmp_path / 'demo'
    shutil.copytree(demo_root, root)
    for mask in (root / 'masks').iterdir():
        cv2.imwrite(str(mask), np.full_like(_png(mask), 255))
    folder = export_nnunet(demo_config(str(root)), 'gaze',
                           str(tmp_path / 'raw'), 7)
    for label in Path(gaze_export, 'labelsTr').iterdir():
        np.testing.assert_array_equal(
            _png(Path(folder, 'labelsTr', label.name)), _png(label))


def test_a_full_export_trains_on_the_resized_ground_truth(demo_root,
                                                          gaze_export,
                                                          tmp_path):
    folder = export_nnunet(demo_config(demo_root), 'full', str(tmp_path), 8)
    assert 'ground-truth' in json.loads(
        Path(folder, 'dataset.json').read_text())['description']
    differ = 0
    for case in _ids(demo_root, 'train'):
        gt = (_png(f'{demo_root}/masks/{case}.png') >= 128).astype(np.uint8)
        expected = cv2.resize(gt, SIZE, interpolation=cv2.INTER_NEAREST)
        label = _png(Path(folder, 'labelsTr', f'{case}.png'))
        np.testing.assert_array_equal(label, expected)
        gaze = _png(Path(gaze_export, 'labelsTr', f'{case}.png'))
        differ += int((label != gaze).any())
    assert differ == len(_ids(demo_root, 'train'))


def test_a_finished_export_is_kept_and_another_label_refused(demo_root,
                                                             tmp_path):
    cfg = demo_config(demo_root)
    folder = export_nnunet(cfg, 'gaze', str(tmp_path), 9)
    label = next(Path(folder, 'labelsTr').iterdir())
    stamp = label.stat().st_mtime_ns
    assert export_nnunet(cfg, 'gaze', str(tmp_path), 9) == folder
    assert label.stat().st_mtime_ns == stamp
    with pytest.raises(ExportError, match='holds another export'):
        _export_other_label_into(folder, cfg)


def _export_other_label_into(folder: str, cfg: Config) -> None:
    """A 'full' export asked for the folder of the 'gaze' one."""
    name = Path(folder).name.split('_', 1)[1]
    export_nnunet(cfg, 'full', str(Path(folder).parent), 9, name=name)


def test_an_interrupted_export_is_completed(demo_root, tmp_path):
    cfg = demo_config(demo_root)
    folder = Path(export_nnunet(cfg, 'gaze', str(tmp_path), 10))
    first = {p.name: p.read_bytes() for p in (folder / 'labelsTr').iterdir()}
    os.remove(folder / 'fgi_export.json')
    victim = sorted((folder / 'labelsTr').iterdir())[0]
    os.remove(victim)
    export_nnunet(cfg, 'gaze', str(tmp_path), 10)
    assert {p.name: p.read_bytes()
            for p in (folder / 'labelsTr').iterdir()} == first


def test_an_unknown_transform_is_named():
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadGazeHeatmap'),
                dict(type='PhotoMetricDistortion'),
                dict(type='SegFieldsResize', scale=(8, 8))]
    with pytest.raises(ExportError, match="'PhotoMetricDistortion'"):
        export_pipeline(pipeline, 'gaze')


def test_cached_groups_are_opened_and_text_and_flips_left_out():
    pipeline = [dict(type='CachedTransforms', transforms=[
        dict(type='LoadImageFromFile'), dict(type='LoadGazeHeatmap'),
        dict(type='LoadTextEmbedding'), dict(type='SegFieldsResize')]),
        dict(type='SegFieldsRandomFlip'), dict(type='PackGazeSegInputs')]
    assert [t['type'] for t in export_pipeline(pipeline, 'gaze')] == [
        'LoadImageFromFile', 'LoadGazeHeatmap', 'SegFieldsResize']
    assert [t['type'] for t in export_pipeline(pipeline, 'full')] == [
        'LoadImageFromFile', 'LoadGazeHeatmap', 'LoadBinaryAnnotations',
        'SegFieldsResize']


def test_masks_in_the_train_pipeline_are_dropped_from_a_gaze_export():
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadGazeHeatmap'),
                dict(type='LoadBinaryAnnotations'),
                dict(type='SegFieldsResize')]
    assert 'LoadBinaryAnnotations' not in [
        t['type'] for t in export_pipeline(pipeline, 'gaze')]


def test_the_tool_reports_a_bad_dataset_id_in_one_line(demo_root, tmp_path):
    proc = run_tool('tools/misc/export_nnunet.py', str(DEMO_CONFIG),
                    '--label', 'gaze', '--out', str(tmp_path),
                    '--dataset-id', '1000', check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        'error: dataset id must be in 1..999 (nnU-Net), got 1000 '
        '(--debug shows the traceback)']
