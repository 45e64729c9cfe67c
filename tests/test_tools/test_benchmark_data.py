"""tools/analysis/benchmark_data.py: the uncached twin of a pipeline."""
import importlib.util
from pathlib import Path

from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location(
        'benchmark_data_tool', REPO / 'tools' / 'analysis' /
        'benchmark_data.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_unwrap_caches_keeps_the_transforms_in_order():
    cfg = Config.fromfile(
        str(REPO / 'configs' / 'benchmark' / 'kvasir' / 'fgi.py'))
    pipeline = cfg.stages.student.train_dataloader.dataset.pipeline
    assert pipeline[0]['type'] == 'CachedTransforms'
    flat = _tool().unwrap_caches(pipeline)
    assert [t['type'] for t in flat] == [
        'LoadImageFromFile', 'LoadGazeHeatmap', 'LoadTextEmbedding',
        'GazeResize', 'GazeRandomFlip', 'GazeRandomFlip', 'PackGazeSegInputs'
    ]


def test_stage_dataset_takes_the_stage_pipeline():
    tool = _tool()
    cfg = Config.fromfile(
        str(REPO / 'configs' / 'benchmark' / 'kvasir' / 'fgi.py'))
    student = tool.train_dataset_cfg(cfg, 'student')
    assert 'text_embed_path' in student['data_prefix']
    plain = tool.train_dataset_cfg(cfg, None)
    assert 'text_embed_path' not in plain['data_prefix']
