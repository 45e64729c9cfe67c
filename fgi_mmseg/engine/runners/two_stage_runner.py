"""One command for FGI: train the teacher, then the student, then test."""
import json
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner
from mmseg.registry import RUNNERS

from fgi_mmseg.evaluation.outputs import metrics_file, record_test
from fgi_mmseg.utils.io import write_json_atomic
from ..checkpoint import resolve_resume
from ..config_derivation import (STAGES, STUDENT_TEST, check_two_stage_config,
                                 stage_config, stage_work_dir)

DONE_FILE = 'stage_done.json'


def stage_done_file(work_dir: str, name: str) -> str:
    """The file that marks stage ``name`` of a run in ``work_dir`` finished
    (it names the stage's best checkpoint)."""
    return osp.join(work_dir, name, DONE_FILE)


def student_test_file(work_dir: str) -> str:
    """The file of the student's test metrics (and tested checkpoint) of a
    run in ``work_dir``."""
    return metrics_file(osp.join(work_dir, 'student'))


@RUNNERS.register_module()
class TwoStageRunner:
    """Runs the FGI protocol from a single config (``runner_type``).

    .. code-block:: none

        train()
         ├─ teacher: Runner(cfg + stages.teacher, work_dir/teacher).train()
         │    └─ stage_done.json  <- best checkpoint (validation split)
         ├─ student: Runner(cfg + stages.student, work_dir/student) with
         │    model.teacher_checkpoint = best teacher checkpoint; train()
         └─ test: the best student checkpoint on the test split
              └─ work_dir/student/test_metrics.json

    ``cfg.model`` is the student (the deployable network, so
    ``tools/test.py`` works on the same config) and ``cfg.model.teacher``
    the network of stage 1. The teacher's dataloaders and the student's
    training one read the text at ``cfg.text_prefix``; ``cfg.stages`` holds
    per-stage overrides (dataloaders, schedules...) merged onto the config;
    a stage's ``model`` replaces the stage's network wholesale (see
    :func:`~fgi_mmseg.engine.config_derivation.stage_config`). A finished
    stage leaves ``stage_done.json`` and is not run again; with
    ``cfg.resume`` an interrupted stage resumes from its latest checkpoint.
    ``cfg.stage`` (``both``, ``teacher`` or ``student``) runs one stage
    alone; a lone student stage needs ``cfg.teacher_checkpoint``.
    ``cfg.test_student=False`` stops after training, so that a study
    choosing on the validation split never touches the test split.

    Args:
        cfg (Config): The whole config.
    """

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.work_dir = osp.abspath(cfg.work_dir)
        self.stage = cfg.get('stage', 'both')
        if self.stage not in ('both', ) + STAGES:
            raise ValueError(f'cfg.stage must be both, teacher or student, '
                             f'got "{self.stage}"')
        check_two_stage_config(cfg)

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'TwoStageRunner':
        return cls(cfg)

    def train(self) -> Optional[Dict[str, float]]:
        """Run the selected stages; return the student's test metrics."""
        teacher_ckpt = self.cfg.get('teacher_checkpoint')
        if self.stage in ('both', 'teacher'):
            teacher_ckpt = self._train_stage('teacher')
        if self.stage == 'teacher':
            return None
        if not teacher_ckpt:
            raise ValueError('the student stage needs a trained teacher: '
                             'run both stages, or set teacher_checkpoint')
        cfg = stage_config(self.cfg, 'student')
        cfg.model.teacher_checkpoint = teacher_ckpt
        student_ckpt = self._train_stage('student', cfg)
        if not self.cfg.get('test_student', True):
            return None
        return self._test_student(student_ckpt)

    def _train_stage(self, name: str, cfg: Optional[Config] = None) -> str:
        """Train one stage unless finished; return its best checkpoint."""
        cfg = cfg or stage_config(self.cfg, name)
        done_file = stage_done_file(self.work_dir, name)
        if osp.isfile(done_file):
            with open(done_file) as f:
                done = json.load(f)
            print_log(f'{name} stage already finished: using '
                      f'{done["best_checkpoint"]}', logger='current')
            return done['best_checkpoint']
        cfg.resume = self.cfg.get('resume', False)
        resolve_resume(cfg)
        runner = Runner.from_cfg(cfg)
        runner.train()
        best = runner.message_hub.get_info('best_ckpt') or osp.join(
            cfg.work_dir, f'iter_{runner.iter}.pth')
        bad = [name for name, value in runner.model.state_dict().items()
               if value.is_floating_point() and
               not torch.isfinite(value).all()]
        if bad:
            # Never mark a stage done whose weights are NaN/inf.
            raise RuntimeError(f'{name} stage: non-finite weights after '
                               f'training ({", ".join(bad[:5])}); not '
                               'marked done')
        if runner.rank == 0:
            write_json_atomic(done_file, dict(best_checkpoint=best))
        return best

    def _test_student(self, checkpoint: str) -> Dict[str, float]:
        cfg = stage_config(self.cfg, 'student')
        cfg.model.pop('teacher_checkpoint', None)
        cfg.load_from = checkpoint
        cfg.resume = False
        cfg.work_dir = stage_work_dir(self.work_dir, STUDENT_TEST)
        return record_test(Runner.from_cfg(cfg),
                           student_test_file(self.work_dir), checkpoint,
                           'FGI student, test split')
