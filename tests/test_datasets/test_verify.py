"""Tests of the dataset integrity checks and tools/misc/verify_dataset.py."""
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from fgi_mmseg.datasets.verify import (Problem, build_unchecked_dataset,
                                       check_split_overlap, verify_dataset)
from tests.conftest import REPO, run_tool, shared_data

PREFIX = dict(
    img_path='images', seg_map_path='masks', heatmap_path='gaze/heatmaps')
SPLITS = ('train', 'val', 'test')


def dataset_cfg(root: Path, split: str, **kwargs) -> dict:
    """Config of one split of a copy of the demo data."""
    cfg = dict(
        type='DemoPolypDataset',
        data_root=str(root),
        ann_file=f'splits/{split}.txt',
        data_prefix=dict(PREFIX))
    cfg.update(kwargs)
    return cfg


def found(problems) -> set:
    """The (sample id, field) pairs of the problems."""
    return {(p.sample_id, p.field) for p in problems}


def message_of(problems, sample_id: str, field: str) -> str:
    return next(
        p.message for p in problems
        if (p.sample_id, p.field) == (sample_id, field))


@pytest.fixture
def clean_root(demo_root, tmp_path) -> Path:
    root = tmp_path / 'demo'
    shutil.copytree(demo_root, root)
    return root


def write_embeddings(root: Path, split: str, widths: dict) -> None:
    """Write ``embeddings/<id>.npy`` (4 x 8 floats, or 4 x widths[id])."""
    (root / 'embeddings').mkdir(exist_ok=True)
    for sample_id in (root / f'splits/{split}.txt').read_text().split():
        embed = np.ones((4, widths.get(sample_id, 8)), np.float32)
        np.save(root / f'embeddings/{sample_id}.npy', embed)


def corrupt(root: Path) -> None:
    """Break train samples 1-7 in one way each, and leak one into val."""
    (root / 'gaze/heatmaps/train_0001.png').unlink()
    image = root / 'images/train_0002.png'
    image.write_bytes(image.read_bytes()[:200])
    mask = cv2.imread(str(root / 'masks/train_0003.png'), 0)
    cv2.imwrite(
        str(root / 'masks/train_0003.png'),
        cv2.resize(mask, (48, 32), interpolation=cv2.INTER_NEAREST))
    soft = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (64, 1))
    cv2.imwrite(str(root / 'masks/train_0004.png'), soft)
    write_embeddings(root, 'train', {'train_0005': 6})
    with open(root / 'splits/train.txt', 'a') as f:
        f.write('train_0006\n')
    with open(root / 'splits/val.txt', 'a') as f:
        f.write('train_0007\n')


def test_clean_copy_has_no_problems(clean_root):
    write_embeddings(clean_root, 'train', {})
    cfgs = {split: dataset_cfg(clean_root, split) for split in SPLITS}
    cfgs['train']['data_prefix']['text_embed_path'] = 'embeddings'
    for split, cfg in cfgs.items():
        assert verify_dataset(cfg, split) == []
    assert check_split_overlap(cfgs) == []


def test_every_problem_is_reported(clean_root):
    corrupt(clean_root)
    train = dataset_cfg(
        clean_root,
        'train',
        data_prefix=dict(PREFIX, text_embed_path='embeddings'))
    problems = verify_dataset(train, 'train')

    assert found(problems) == {
        ('train_0001', 'heatmap_path'),
        ('train_0002', 'img_path'),
        ('train_0003', 'seg_map_path'),
        ('train_0004', 'seg_map_path'),
        ('train_0005', 'text_embed_path'),
        ('train_0006', 'ann_file'),
    }
    assert all(p.split == 'train' for p in problems)
    assert message_of(problems, 'train_0001', 'heatmap_path') == \
        'file not found'
    assert 'truncated' in message_of(problems, 'train_0002', 'img_path')
    assert '(32, 48)' in message_of(problems, 'train_0003', 'seg_map_path')
    assert 'not binary' in message_of(problems, 'train_0004', 'seg_map_path')
    assert 'width 6' in message_of(problems, 'train_0005', 'text_embed_path')
    assert 'listed 2 times' in message_of(problems, 'train_0006', 'ann_file')
    heatmap = next(p for p in problems if p.field == 'heatmap_path')
    assert heatmap.path.endswith('gaze/heatmaps/train_0001.png')
    assert str(heatmap).startswith('train: sample "train_0001": heatmap_path')


def test_split_overlap_names_the_leaked_id(clean_root):
    corrupt(clean_root)
    cfgs = {split: dataset_cfg(clean_root, split) for split in SPLITS}
    problems = check_split_overlap(cfgs)
    assert [(p.split, p.sample_id, p.field) for p in problems] == \
        [('val', 'train_0007', 'ann_file')]
    assert 'also listed in split "train"' in problems[0].message


def test_overlap_is_per_data_root_and_split_file(clean_root, tmp_path):
    other = tmp_path / 'other'
    shutil.copytree(clean_root, other)
    cfgs = dict(
        train=dataset_cfg(clean_root, 'train'),
        # Same ids under another root are other images.
        external=dataset_cfg(other, 'train'),
        # The same split file twice (test = val) is no leak.
        val=dataset_cfg(clean_root, 'val'),
        test=dataset_cfg(clean_root, 'val'))
    assert check_split_overlap(cfgs) == []


def test_missing_split_file_is_a_problem(clean_root):
    problems = verify_dataset(dataset_cfg(clean_root, 'nope'), 'nope')
    assert len(problems) == 1
    assert problems[0].field == 'ann_file'
    assert problems[0].path.endswith('splits/nope.txt')


def test_mask_binary_rules(clean_root):
    ids = (clean_root / 'splits/val.txt').read_text().split()
    masks = {i: cv2.imread(str(clean_root / f'masks/{i}.png'), 0) for i in ids}
    # 0/1 PNG masks are binary too.
    cv2.imwrite(str(clean_root / f'masks/{ids[0]}.png'), masks[ids[0]] // 255)
    assert verify_dataset(dataset_cfg(clean_root, 'val')) == []

    # JPEG noise around a binary mask is fine; a blurred mask is not.
    for sample_id, mask in masks.items():
        if sample_id == ids[1]:
            mask = cv2.GaussianBlur(mask, (0, 0), 4)
        cv2.imwrite(
            str(clean_root / f'masks/{sample_id}.jpg'), mask,
            [cv2.IMWRITE_JPEG_QUALITY, 90])
    problems = verify_dataset(
        dataset_cfg(clean_root, 'val', seg_map_suffix='.jpg'), 'val')
    assert found(problems) == {(ids[1], 'seg_map_path')}
    assert 'JPEG' in problems[0].message


def test_npy_heatmap_and_embedding_contents(clean_root):
    ids = (clean_root / 'splits/val.txt').read_text().split()
    for sample_id in ids:
        heatmap = cv2.imread(
            str(clean_root / f'gaze/heatmaps/{sample_id}.png'), 0) / 255
        if sample_id == ids[0]:
            heatmap = heatmap * 1.5
        np.save(clean_root / f'gaze/heatmaps/{sample_id}.npy',
                heatmap.astype(np.float32))
    write_embeddings(clean_root, 'val', {})
    np.save(clean_root / f'embeddings/{ids[1]}.npy', np.ones(8, np.float32))
    np.save(clean_root / f'embeddings/{ids[2]}.npy', np.ones((4, 8), np.int64))
    (clean_root / f'embeddings/{ids[3]}.npy').write_bytes(b'not numpy')
    cfg = dataset_cfg(
        clean_root,
        'val',
        heatmap_suffix='.npy',
        data_prefix=dict(PREFIX, text_embed_path='embeddings'))
    problems = verify_dataset(cfg)
    assert found(problems) == {(ids[0], 'heatmap_path'),
                               (ids[1], 'text_embed_path'),
                               (ids[2], 'text_embed_path'),
                               (ids[3], 'text_embed_path')}
    assert '[0, 1]' in message_of(problems, ids[0], 'heatmap_path')


def test_problem_str_without_sample():
    problem = Problem('val', '', 'ann_file', 'splits/val.txt', 'empty')
    assert str(problem) == 'val: ann_file "splits/val.txt": empty'


def write_config(path: Path, data_root: Path) -> str:
    datasets = '\n'.join(
        f"{split}_dataloader = dict(dataset=dict(data_root='{data_root}'))"
        for split in SPLITS)
    path.write_text(
        f"_base_ = ['{REPO / 'configs/baselines/unet_gaze_demo.py'}']\n"
        f'{datasets}\n')
    return str(path)


def test_tool_exit_code_and_output(clean_root, tmp_path):
    cfg_path = write_config(tmp_path / 'verify_cfg.py', clean_root)
    proc = run_tool('tools/misc/verify_dataset.py', cfg_path, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'OK: 24 samples in 3 splits, no problems' in proc.stdout

    corrupt(clean_root)
    proc = run_tool('tools/misc/verify_dataset.py', cfg_path, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert str(clean_root / 'gaze/heatmaps/train_0001.png') in proc.stdout
    assert str(clean_root / 'images/train_0002.png') in proc.stdout
    assert 'also listed in split "train"' in proc.stdout
    # Heatmap, image, two masks, duplicate id, leaked id (no embeddings in
    # this config).
    assert '6 problems in 6 samples' in proc.stdout


def test_real_kvasir_val_has_no_problems():
    root = shared_data('kvasir-seg')
    cfg = dict(
        type='KvasirSEGDataset',
        data_root=str(root),
        ann_file='splits/val.txt',
        data_prefix=dict(img_path='images', seg_map_path='masks'))
    assert len(build_unchecked_dataset(cfg)) == 100
    assert verify_dataset(cfg, 'val') == []


def test_a_16_bit_heatmap_holding_8_bit_values_is_a_problem(clean_root):
    path = clean_root / 'gaze/heatmaps/train_0001.png'
    heatmap = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), heatmap.astype(np.uint16))  # 0-255 in 16 bits
    problems = verify_dataset(dataset_cfg(clean_root, 'train'), 'train')
    assert found(problems) == {('train_0001', 'heatmap_path')}
    message = message_of(problems, 'train_0001', 'heatmap_path')
    assert message.startswith(f'maximum {heatmap.max() / 65535:.4g}, '
                              'expected about 1')


def test_the_loader_warns_about_a_heatmap_scale(clean_root, monkeypatch):
    import fgi_mmseg.datasets.transforms.loading as loading
    from fgi_mmseg.datasets.transforms import LoadGazeHeatmap
    warnings = []
    monkeypatch.setattr(loading, 'print_log',
                        lambda msg, **kwargs: warnings.append(msg))
    path = clean_root / 'gaze/heatmaps/train_0001.png'
    heatmap = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), heatmap.astype(np.uint16))
    load = LoadGazeHeatmap()
    for _ in range(2):
        load(dict(sample_id='train_0001', heatmap_path=str(path),
                  seg_fields=[]))
    assert len(warnings) == 1  # once per loader, not per sample
    assert warnings[0].startswith(f'{path}: heatmap maximum ')


def test_the_tool_reads_the_stages_of_an_fgi_config(clean_root, tmp_path):
    """FGI's stages read the embeddings (`text_prefix`): they are checked."""
    cfg_path = tmp_path / 'fgi_cfg.py'
    cfg_path.write_text(f"""
_base_ = ['{REPO}/configs/fgi/demo.py']
_data = dict(data_root='{clean_root}')
train_dataloader = dict(dataset=_data)
val_dataloader = dict(dataset=_data)
test_dataloader = dict(dataset=_data)
""")
    from fgi_mmseg.datasets.demo import materialize_demo_text
    materialize_demo_text(str(clean_root))
    (clean_root / 'embeddings' / 'train_0000.npy').unlink()
    proc = run_tool('tools/misc/verify_dataset.py', str(cfg_path),
                    check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'teacher/train' in proc.stdout
    assert str(clean_root / 'embeddings' / 'train_0000.npy') in proc.stdout


def write_flip_variants(root: Path, split: str) -> None:
    """The three mirrored embeddings beside each ``embeddings/<id>.npy``."""
    for direction in ('horizontal', 'vertical', 'diagonal'):
        folder = root / 'embeddings' / f'flip_{direction}'
        folder.mkdir(parents=True, exist_ok=True)
        for sample_id in (root / f'splits/{split}.txt').read_text().split():
            np.save(folder / f'{sample_id}.npy', np.ones((4, 8), np.float32))


def test_flip_variants_are_checked_when_the_pipeline_loads_them(clean_root):
    ids = (clean_root / 'splits/val.txt').read_text().split()
    write_embeddings(clean_root, 'val', {})
    write_flip_variants(clean_root, 'val')
    vertical = clean_root / 'embeddings/flip_vertical' / f'{ids[0]}.npy'
    vertical.unlink()
    nan = np.full((4, 8), np.nan, np.float32)
    np.save(clean_root / 'embeddings/flip_diagonal' / f'{ids[1]}.npy', nan)
    flipping = [dict(type='CachedTransforms', transforms=[
        dict(type='LoadTextEmbedding', flip_variants=True)])]
    cfg = dataset_cfg(clean_root, 'val', pipeline=flipping,
                      data_prefix=dict(PREFIX, text_embed_path='embeddings'))

    problems = verify_dataset(cfg, 'val')
    assert {(p.sample_id, p.path) for p in problems} == {
        (ids[0], str(vertical)),
        (ids[1], str(clean_root / 'embeddings/flip_diagonal' /
                     f'{ids[1]}.npy'))}
    assert all(p.field == 'text_embed_path' for p in problems)
    assert 'flip variant: file not found' in problems[0].message
    assert 'NaN' in problems[1].message
    # A pipeline that does not flip the text does not need them.
    cfg['pipeline'] = [dict(type='LoadTextEmbedding')]
    assert verify_dataset(cfg, 'val') == []


def test_a_grayscale_image_is_a_problem_where_colour_is_loaded(clean_root):
    ids = (clean_root / 'splits/val.txt').read_text().split()
    image = clean_root / 'images' / f'{ids[2]}.png'
    cv2.imwrite(str(image), cv2.imread(str(image), cv2.IMREAD_GRAYSCALE))
    colour = dataset_cfg(clean_root, 'val',
                         pipeline=[dict(type='LoadImageFromFile')])
    problems = verify_dataset(colour, 'val')
    assert found(problems) == {(ids[2], 'img_path')}
    assert 'grayscale image (1 channel)' in problems[0].message
    gray = dataset_cfg(clean_root, 'val', pipeline=[
        dict(type='LoadImageFromFile', color_type='grayscale')])
    assert verify_dataset(gray, 'val') == []


def built_dataset(root: Path, split: str, pipeline=()) -> 'BaseDataset':
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    return DATASETS.build(
        dataset_cfg(root, split, pipeline=list(pipeline), check_files=False,
                    data_prefix=dict(PREFIX, text_embed_path='embeddings')))


def test_quick_check_finds_missing_files_and_sizes_from_headers(clean_root):
    from fgi_mmseg.datasets.verify import quick_check
    write_embeddings(clean_root, 'val', {})
    write_flip_variants(clean_root, 'val')
    ids = (clean_root / 'splits/val.txt').read_text().split()
    pipeline = [dict(type='LoadTextEmbedding', flip_variants=True)]
    assert quick_check(built_dataset(clean_root, 'val', pipeline)) == []

    mask = clean_root / 'masks' / f'{ids[0]}.png'
    cv2.imwrite(str(mask), np.zeros((32, 48), np.uint8))
    (clean_root / 'gaze/heatmaps' / f'{ids[1]}.png').write_bytes(b'')
    (clean_root / 'embeddings/flip_horizontal' / f'{ids[2]}.npy').unlink()
    problems = quick_check(built_dataset(clean_root, 'val', pipeline), 'val')
    assert found(problems) == {
        (ids[0], 'seg_map_path'), (ids[1], 'heatmap_path'),
        (ids[2], 'text_embed_path (horizontal flip)')}
    assert 'size (32, 48) differs from the image size (64, 64)' in \
        message_of(problems, ids[0], 'seg_map_path')
    assert message_of(problems, ids[1], 'heatmap_path') == 'empty file'
