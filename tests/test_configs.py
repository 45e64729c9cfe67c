"""Every shipped config parses and builds its model(s)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import fgi_mmseg  # noqa: F401
from fgi_mmseg.engine.config_derivation import is_two_stage, stage_config
from fgi_mmseg.nnunet.export import export_pipeline

CONFIGS = sorted(
    str(p) for p in Path(__file__).resolve().parents[1].joinpath(
        'configs').rglob('*.py') if '_base_' not in p.parts)
DATASET_BASES = Path(__file__).resolve().parents[1].joinpath(
    'configs', '_base_', 'datasets')
SPLITS = ('train', 'val', 'test')


def _reads_text(cfg: Config, split: str) -> bool:
    return 'text_embed_path' in cfg[f'{split}_dataloader'].dataset.data_prefix


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: Path(p).stem)
def test_config_builds(path):
    init_default_scope('mmseg')
    cfg = Config.fromfile(path)
    if 'nnunet' in cfg:
        # nnU-Net builds its own network from its plan; what the config
        # decides is the exported data.
        pipeline = export_pipeline(cfg.train_dataloader.dataset.pipeline,
                                   cfg.nnunet.label)
        assert [t['type'] for t in pipeline][-1] == 'SegFieldsResize'
        return
    model = MODELS.build(cfg.model)
    assert model is not None
    if is_two_stage(cfg):
        teacher_cfg = stage_config(cfg, 'teacher')
        assert teacher_cfg.model.type == 'TextGuidedEncoderDecoder'
        assert 'LoadTextEmbedding' in [
            t['type'] for t in teacher_cfg.val_dataloader.dataset.pipeline]
        # The teacher reads text everywhere, the student only where its
        # teacher runs (training).
        student_cfg = stage_config(cfg, 'student')
        assert [_reads_text(teacher_cfg, s) for s in SPLITS] == [True] * 3
        assert [_reads_text(student_cfg, s) for s in SPLITS] == [
            True, False, False]


@pytest.mark.parametrize('dataset', ['kvasir', 'isic2017'])
def test_the_cpu_protocol_reads_the_files_of_the_paper_protocol(dataset):
    """A *_cpu_mini dataset base changes pipelines and loading only;
    isic2017_cpu_mini.py restates isic2017.py's files (a config has one
    chain of bases), so the two must not drift apart."""
    paper = Config.fromfile(str(DATASET_BASES / f'{dataset}.py'))
    cpu = Config.fromfile(str(DATASET_BASES / f'{dataset}_cpu_mini.py'))
    for split in SPLITS:
        files = [{
            k: v
            for k, v in c[f'{split}_dataloader'].dataset.items()
            if k != 'pipeline'
        } for c in (paper, cpu)]
        assert files[0] == files[1], split
    assert paper.text_prefix == cpu.text_prefix


def _stages(path: str) -> dict:
    """What each stage of a two-stage config trains with, without the
    file name and private helpers (settings, not how they are written)."""
    cfg = Config.fromfile(path)
    return {
        name: {k: v for k, v in stage_config(cfg, name).to_dict().items()
               if k not in ('filename', 'work_dir') and not k.startswith('_')
               and k != 'teacher_iters'}
        for name in ('teacher', 'student')}


def test_the_benchmark_fgi_is_the_study_config_chosen_on_val():
    """configs/benchmark/kvasir/fgi.py restates the study's chosen v9 in
    one file: the two must not drift apart."""
    root = Path(__file__).resolve().parents[1] / 'configs'
    assert _stages(str(root / 'benchmark/kvasir/fgi.py')) == _stages(
        str(root / 'ablations/fgi_study/v9_afc_x10.py'))
