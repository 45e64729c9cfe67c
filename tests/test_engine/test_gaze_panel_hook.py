"""``GazePanelHook`` draws one titled panel per test case."""
import json
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from fgi_mmseg.engine import GazePanelHook
from fgi_mmseg.text.records import NO_DESCRIPTION, description_text
from fgi_mmseg.visualization import compose_panel, message_tile, wrap_text

HEIGHT, WIDTH = 40, 60  # original image size (not square on purpose)
REPORT = {
    'location': 'lower left', 'boundary': 'irregular',
    'characteristics': ['lobulated', 'reddish'], 'area_percentage': 12,
    'confidence': 'high', 'remarks': 'a long remark ' * 6
}


def _sample(root, sample_id, with_heatmap_field=False):
    """A test output of one case, its image written under ``root``; its
    heatmap file is named as the dataset names it, whether it exists or
    not."""
    rng = np.random.default_rng(len(sample_id))
    image = rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    path = root / 'images' / f'{sample_id}.png'
    path.parent.mkdir(exist_ok=True)
    cv2.imwrite(str(path), image)
    mask = torch.zeros(1, HEIGHT, WIDTH, dtype=torch.int64)
    mask[:, 10:30, 20:40] = 1
    sample = SegDataSample(metainfo=dict(
        img_path=str(path), sample_id=sample_id,
        heatmap_path=str(root / 'gaze' / 'heatmaps' / f'{sample_id}.npy'),
        ori_shape=(HEIGHT, WIDTH)))
    sample.gt_sem_seg = PixelData(data=mask)
    sample.pred_sem_seg = PixelData(data=mask.roll(5, dims=2))
    if with_heatmap_field:
        sample.gt_heatmap = PixelData(
            data=torch.rand(1, HEIGHT, WIDTH, dtype=torch.float32))
    return sample


def _runner(root):
    dataset = SimpleNamespace(
        data_root=str(root),
        data_prefix=dict(img_path=str(root / 'images'),
                         heatmap_path=str(root / 'gaze' / 'heatmaps')),
        metainfo=dict(palette=[[0, 0, 0], [255, 0, 0]]))
    return SimpleNamespace(
        model=torch.nn.Linear(1, 1),
        test_dataloader=SimpleNamespace(dataset=dataset))


@pytest.fixture
def data(tmp_path):
    """Three cases: ``a`` with a .npy heatmap file and a description,
    ``b`` with neither, ``c`` with its heatmap packed in the sample."""
    (tmp_path / 'gaze' / 'heatmaps').mkdir(parents=True)
    np.save(tmp_path / 'gaze' / 'heatmaps' / 'a.npy',
            np.random.default_rng(0).random((HEIGHT, WIDTH)).astype(
                np.float32))
    (tmp_path / 'descriptions.jsonl').write_text(
        json.dumps(dict(id='a', describer='gaze', report=REPORT)) + '\n')
    samples = [
        _sample(tmp_path, 'a'),
        _sample(tmp_path, 'b'),
        _sample(tmp_path, 'c', with_heatmap_field=True)
    ]
    return tmp_path, samples


def _run(hook, runner, samples, batch_size=2):
    hook.before_test(runner)
    for start in range(0, len(samples), batch_size):
        hook.after_test_iter(runner, start // batch_size,
                             dict(inputs=None), samples[start:start +
                                                        batch_size])
    hook.after_test(runner)


def test_one_panel_per_case_with_text_row(data, tmp_path):
    root, samples = data
    out = tmp_path / 'panels'
    hook = GazePanelHook(str(out), name='Ours', tile_height=64)
    _run(hook, _runner(root), samples)

    assert sorted(p.name for p in out.iterdir()) == ['a.jpg', 'b.jpg',
                                                    'c.jpg']
    tile_w = round(WIDTH * 64 / HEIGHT)
    panels = {p.stem: cv2.imread(str(p)) for p in out.iterdir()}
    for panel in panels.values():
        # image, ground truth, gaze, the tested model
        assert panel.shape[1] == 4 * tile_w
    # The descriptions file next to the heatmaps was found: every panel
    # has a text row; the long description of 'a' wraps onto more lines.
    no_text = GazePanelHook(str(tmp_path / 'bare'), tile_height=64,
                            descriptions=False)
    _run(no_text, _runner(root), samples[:1])
    bare = cv2.imread(str(tmp_path / 'bare' / 'a.jpg'))
    assert bare.shape[1] == 4 * tile_w
    assert panels['a'].shape[0] > panels['b'].shape[0] > bare.shape[0]
    text_row = panels['a'][bare.shape[0]:]
    assert (text_row < 100).any()  # dark text on the white row
    # Gaze: a .npy file for 'a', none for 'b', packed in the sample for 'c'.
    hook.before_test(_runner(root))
    assert [hook._heatmap(s) is not None for s in samples] == [
        True, False, True]
    assert description_text(hook._records.get('b')) == NO_DESCRIPTION
    assert description_text(hook._records.get('a')).startswith(
        'located at the lower left; irregular boundary')
    no_gaze = message_tile(np.zeros((64, 96, 3), np.uint8), 'no gaze')
    assert no_gaze.shape == (64, 96, 3) and no_gaze.max() > 200


def test_interval_and_original_size(data, tmp_path):
    root, samples = data
    out = tmp_path / 'panels'
    hook = GazePanelHook(str(out), tile_height=None, interval=2)
    _run(hook, _runner(root), samples, batch_size=1)
    assert sorted(p.name for p in out.iterdir()) == ['a.jpg', 'c.jpg']
    panel = cv2.imread(str(out / 'a.jpg'))
    assert panel.shape[1] == 4 * WIDTH


def test_explicit_descriptions_and_missing_file(data, tmp_path):
    root, samples = data
    other = tmp_path / 'other.jsonl'
    other.write_text(
        json.dumps(dict(id='b', describer='openai', error='timeout')) + '\n')
    out = tmp_path / 'panels'
    hook = GazePanelHook(str(out), tile_height=64, descriptions=str(other))
    _run(hook, _runner(root), samples[:2])
    assert len(list(out.iterdir())) == 2
    assert description_text(hook._records['b']) == (
        '(no description: describing failed: timeout)')
    with pytest.raises(FileNotFoundError):
        GazePanelHook(str(out), descriptions=str(tmp_path / 'absent.jsonl'))
    with pytest.raises(ValueError, match='names must differ'):
        GazePanelHook(str(out), name='x',
                      compare=[dict(name='x', config='c', checkpoint='k')])


def test_compose_panel_layout():
    tiles = [(f'column {i}', np.zeros((32, 48, 3), np.uint8))
             for i in range(5)]
    without = compose_panel(tiles)
    with_text = compose_panel(tiles, 'word ' * 200)
    assert without.shape[1] == with_text.shape[1] == 5 * 48
    assert with_text.shape[0] > without.shape[0] + 32
    lines = wrap_text('word ' * 200, 5 * 48 - 12, 0.35, 1)
    assert len(lines) > 3
    assert all(cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                               1)[0][0] <= 5 * 48 - 12 for line in lines)
    assert wrap_text('x' * 500, 100, 0.35, 1)[0]  # long words are broken
