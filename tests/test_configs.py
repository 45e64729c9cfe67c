"""Every shipped config parses and builds its model(s)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import fgi_mmseg  # noqa: F401
from fgi_mmseg.engine.config_derivation import is_two_stage, stage_config

CONFIGS = sorted(
    str(p) for p in Path(__file__).resolve().parents[1].joinpath(
        'configs').rglob('*.py') if '_base_' not in p.parts)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: Path(p).stem)
def test_config_builds(path):
    init_default_scope('mmseg')
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert model is not None
    if is_two_stage(cfg):
        teacher_cfg = stage_config(cfg, 'teacher')
        assert teacher_cfg.model.type == 'TextGuidedEncoderDecoder'
        assert 'LoadTextEmbedding' in [
            t['type'] for t in teacher_cfg.val_dataloader.dataset.pipeline]
