"""Deriving configs: a stage's, the deployed one, the prepared one."""
import os.path as osp
import re

import pytest
from mmengine.config import Config

from fgi_mmseg.engine.config_derivation import (STAGES, UnknownConfigKeyError,
                                                deploy_config, is_two_stage,
                                                prepare_config, stage_config)
from fgi_mmseg.utils.config import ConfigKeyError

PREPROCESSOR = dict(type='SegDataPreProcessor', size=(8, 8))


def two_stage(**extra) -> Config:
    """A two-stage config of placeholder networks (nothing is built)."""
    return Config(dict(
        runner_type='TwoStageRunner',
        model=dict(type='DistillEncoderDecoder', backbone=dict(type='S'),
                   teacher=dict(type='TextGuidedEncoderDecoder',
                                backbone=dict(type='T')),
                   data_preprocessor=PREPROCESSOR),
        train_dataloader=dict(batch_size=2, dataset=dict(ann_file='plain')),
        stages=dict(teacher=dict(train_dataloader=dict(
                        dataset=dict(ann_file='text'))),
                    student=dict(train_cfg=dict(max_iters=7))),
        **extra))


def test_the_teacher_stage_trains_model_teacher_with_its_overrides():
    cfg = two_stage(stage='teacher', teacher_checkpoint='t.pth')
    teacher = stage_config(cfg, 'teacher')
    assert teacher.model.type == 'TextGuidedEncoderDecoder'
    assert teacher.model.data_preprocessor == PREPROCESSOR
    assert teacher.train_dataloader.dataset.ann_file == 'text'
    assert teacher.train_dataloader.batch_size == 2
    for key in ('runner_type', 'stages', 'stage', 'teacher_checkpoint'):
        assert key not in teacher
    assert 'work_dir' not in teacher  # none to put the stage under
    # The argument is left as it was.
    assert cfg.model.type == 'DistillEncoderDecoder' and 'stages' in cfg


def test_the_student_stage_keeps_the_model_and_works_in_its_folder():
    cfg = two_stage(work_dir='runs/x')
    student = stage_config(cfg, 'student')
    assert student.model == cfg.model
    assert student.train_cfg.max_iters == 7
    assert student.train_dataloader.dataset.ann_file == 'plain'
    assert student.work_dir == osp.join(osp.abspath('runs/x'), 'student')


def test_the_teacher_reads_the_text_everywhere_the_student_in_training():
    images = dict(dataset=dict(data_prefix=dict(img_path='images')))
    cfg = two_stage(text_prefix=dict(text_embed_path='embeddings'),
                    val_dataloader=images)
    cfg.train_dataloader.merge(images)
    with_text = dict(img_path='images', text_embed_path='embeddings')
    teacher = stage_config(cfg, 'teacher')
    assert teacher.train_dataloader.dataset.data_prefix == with_text
    assert teacher.train_dataloader.dataset.ann_file == 'text'  # stages
    assert teacher.val_dataloader.dataset.data_prefix == with_text
    assert 'test_dataloader' not in teacher  # none to read text in
    student = stage_config(cfg, 'student')
    assert student.train_dataloader.dataset.data_prefix == with_text
    assert student.val_dataloader.dataset.data_prefix == dict(
        img_path='images')
    assert 'text_prefix' not in teacher and 'text_prefix' not in student
    assert deploy_config(cfg).val_dataloader == student.val_dataloader


def test_a_stage_model_replaces_the_network_wholesale():
    cfg = two_stage()
    cfg.stages.teacher.model = dict(type='Other')
    assert stage_config(cfg, 'teacher').model == dict(type='Other')


def test_two_stage_configs_the_runner_would_misread_are_refused():
    with pytest.raises(UnknownConfigKeyError, match='did you mean "stage"'):
        stage_config(two_stage(stagee='teacher'), 'teacher')
    cfg = two_stage()
    cfg.stages.pop('student')
    with pytest.raises(ValueError, match=re.escape(str(STAGES))):
        stage_config(cfg, 'teacher')


def test_the_deploy_config_is_the_student_alone():
    cfg = two_stage()
    assert is_two_stage(cfg) and not is_two_stage(Config(dict(model={})))
    deployed = deploy_config(cfg)
    assert deployed.model.type == 'EncoderDecoder'
    assert 'teacher' not in deployed.model
    assert deployed.model.train_cfg is None
    assert deployed.train_cfg.max_iters == 7  # the student stage's
    with pytest.raises(ConfigKeyError):
        deploy_config(cfg, {'train_dataloader.batch_sise': 3})
    with pytest.raises(TypeError):
        deploy_config(dict(cfg))


def test_the_prepared_config_gets_the_tools_work_dir(tmp_path):
    path = tmp_path / 'tiny.py'
    path.write_text("model = dict(type='M')\nx = dict(y=1)\n")
    prepared = prepare_config(str(path), cfg_options={'x.y': 2})
    assert prepared.work_dir == osp.join('./work_dirs', 'tiny')
    assert (prepared.x.y, prepared.launcher) == (2, 'none')
    assert prepare_config(str(path), 'elsewhere').work_dir == 'elsewhere'
