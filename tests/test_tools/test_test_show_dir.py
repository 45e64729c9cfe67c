"""``tools/test.py --show-dir`` writes one comparison panel per test case."""
import json
from pathlib import Path

import cv2
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from tests.conftest import (REPO, TINY_FGI_WIDTHS, run_tool,
                            write_tiny_config)

# A tiny FGI student (DistillEncoderDecoder with its teacher inside): the
# compared model, built from its config as the student alone.
TINY_FGI = """
_base_ = ['{repo}/configs/fgi/demo.py']
""" + TINY_FGI_WIDTHS
REPORT = {
    'location': 'center', 'boundary': 'clear',
    'characteristics': ['smooth', 'reddish'], 'area_percentage': 9,
    'confidence': 'high', 'remarks': ''
}


def _checkpoint(config: str, path) -> str:
    """Save the randomly initialised model of ``config`` as a checkpoint."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


def test_panels_with_a_compared_model(demo_root, tmp_path):
    config = write_tiny_config(tmp_path / 'unet_tiny.py', demo_root)
    checkpoint = _checkpoint(config, tmp_path / 'unet.pth')
    fgi_config = tmp_path / 'fgi_tiny.py'
    fgi_config.write_text(TINY_FGI.format(repo=REPO))
    fgi_checkpoint = _checkpoint(str(fgi_config), tmp_path / 'fgi.pth')
    assert any(k.startswith('teacher.') for k in torch.load(
        fgi_checkpoint, weights_only=True)['state_dict'])
    descriptions = tmp_path / 'descriptions.jsonl'
    descriptions.write_text(
        json.dumps(dict(id='test_0000', describer='gaze', report=REPORT)) +
        '\n')

    show_dir = tmp_path / 'panels'
    work_dir = tmp_path / 'work'
    out = run_tool('tools/test.py', config, checkpoint, '--work-dir',
                   str(work_dir), '--show-dir', str(show_dir), '--compare',
                   'FGI', str(fgi_config), fgi_checkpoint, '--descriptions',
                   str(descriptions))
    log = out.stdout + out.stderr
    assert 'GazePanelHook: building "FGI"' in log
    assert json.loads(
        (work_dir / 'test_metrics.json').read_text())['metrics']

    # One panel per test case (4), nothing else (mmseg's painted
    # predictions are off).
    panels = sorted(show_dir.iterdir())
    assert [p.name for p in panels] == [f'test_{i:04d}.jpg' for i in range(4)]
    assert not list(work_dir.rglob('vis_image'))
    tile = 256  # 64 x 64 demo images at the default display height
    # image, ground truth, gaze, tested model, FGI
    heights = set()
    for path in panels:
        panel = cv2.imread(str(path))
        assert panel.shape[1] == 5 * tile
        assert panel.shape[0] > tile  # title bar and text row
        heights.add(panel.shape[0])
    assert len(heights) <= 2  # with or without a wrapped second text line

    # Without --descriptions, descriptions.jsonl is looked for in the data
    # folder (FGI tests of the same session may have written one there);
    # without one there is no text row.
    bare = tmp_path / 'bare'
    run_tool('tools/test.py', config, checkpoint, '--work-dir',
             str(tmp_path / 'work2'), '--show-dir', str(bare),
             '--show-name', 'UNet', '--show-interval', '2',
             '--tile-height', '64')
    panels = sorted(bare.iterdir())
    assert [p.name for p in panels] == ['test_0000.jpg', 'test_0002.jpg']
    panel = cv2.imread(str(panels[0]))
    assert panel.shape[1] == 4 * 64
    has_text = (Path(demo_root) / 'descriptions.jsonl').exists()
    assert (panel.shape[0] > 64 + 40) == has_text


def test_a_checkpoint_of_another_model_is_refused(demo_root, tmp_path):
    import torch
    from tests.conftest import run_tool, write_tiny_config
    config = write_tiny_config(tmp_path / 'cfg.py', demo_root)
    wrong = tmp_path / 'wrong.pth'
    torch.save(dict(state_dict={'backbone.nothing': torch.zeros(1)}), wrong)
    out = run_tool('tools/test.py', config, str(wrong), '--work-dir',
                   str(tmp_path / 'test'), check=False)
    assert out.returncode == 2
    line = out.stderr.strip().splitlines()[-1]
    assert line.startswith(f'error: {wrong}: does not fit the model of '
                           f'{config}')
    assert not (tmp_path / 'test' / 'test_metrics.json').exists()


@pytest.mark.parametrize('fault', ['missing', 'truncated'])
def test_a_missing_or_truncated_checkpoint_is_named(demo_root, tmp_path,
                                                    fault):
    import torch
    from tests.conftest import run_tool, write_tiny_config
    config = write_tiny_config(tmp_path / 'cfg.py', demo_root)
    ckpt = tmp_path / 'model.pth'
    if fault == 'truncated':
        torch.save(dict(state_dict={'w': torch.zeros(1000)}), ckpt)
        ckpt.write_bytes(ckpt.read_bytes()[:300])
    out = run_tool('tools/test.py', config, str(ckpt), '--work-dir',
                   str(tmp_path / 'test'), check=False)
    assert out.returncode == 2, out.stderr[-2000:]
    line = out.stderr.strip().splitlines()[-1]
    assert line.startswith('error: ') and str(ckpt) in line
    assert 'Traceback' not in out.stderr
    assert not (tmp_path / 'test' / 'test_metrics.json').exists()
