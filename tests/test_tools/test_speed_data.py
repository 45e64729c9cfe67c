"""tools/analysis/speed_data.py: the uncached twin of a pipeline."""
from pathlib import Path

from mmengine.config import Config

from tests.conftest import load_tool

REPO = Path(__file__).resolve().parents[2]


def _tool():
    return load_tool('tools/analysis/speed_data.py')


def test_unwrap_caches_keeps_the_transforms_in_order():
    cfg = Config.fromfile(
        str(REPO / 'configs' / 'benchmark' / 'kvasir' / 'fgi.py'))
    pipeline = _tool().train_dataset_cfg(cfg, 'student')['pipeline']
    assert pipeline[0]['type'] == 'CachedTransforms'
    flat = _tool().unwrap_caches(pipeline)
    assert [t['type'] for t in flat] == [
        'LoadImageFromFile', 'LoadGazeHeatmap', 'LoadTextEmbedding',
        'SegFieldsResize', 'SegFieldsRandomFlip', 'SegFieldsRandomFlip',
        'PackGazeSegInputs'
    ]


def test_stage_dataset_takes_the_stage_pipeline():
    tool = _tool()
    cfg = Config.fromfile(
        str(REPO / 'configs' / 'benchmark' / 'kvasir' / 'fgi.py'))
    student = tool.train_dataset_cfg(cfg, 'student')
    assert 'text_embed_path' in student['data_prefix']
    plain = tool.train_dataset_cfg(cfg, None)
    assert 'text_embed_path' not in plain['data_prefix']
