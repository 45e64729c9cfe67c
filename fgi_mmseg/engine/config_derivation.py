"""Configs derived from a config: a stage's, the deployed one, the prepared
one.

.. code-block:: none

    FGI config (runner_type='TwoStageRunner'; model = the student,
                model.teacher = the stage-1 network; stages.{teacher,student};
                text_prefix = where the dataset's text embeddings are)
     ├─ stage_config(cfg, 'teacher') -> model.teacher + text in every
     │                                  dataloader + stages.teacher
     ├─ stage_config(cfg, 'student') -> model + text in training (for the
     │                                  teacher inside) + stages.student
     └─ deploy_config(cfg)           -> the student stage, its model alone
                                        (EncoderDecoder: no teacher, no text)
    config file + --work-dir, --cfg-options, --launcher
     └─ prepare_config(...)          -> ready for a runner (work_dir, CPU
                                        distributed training, GPU fast path)

The runner, the APIs, the panel hook, the tools and the tests read configs
through these functions, so that a stage's config is derived one way only
and nobody builds a runner to read one. Each returns a new config and
leaves its argument unchanged.
"""
import copy
import difflib
import inspect
import os.path as osp
from pathlib import Path
from typing import Optional, Union

from mmengine.config import Config, ConfigDict

from fgi_mmseg.models.segmentors import DistillEncoderDecoder
from fgi_mmseg.utils.config import check_override_keys
from fgi_mmseg.utils.errors import UserFacingError
from .device_path import use_gpu_fast_path
from .dist import setup_cpu_distributed

TWO_STAGE_RUNNER = 'TwoStageRunner'
STAGES = ('teacher', 'student')
# Folder of the two-stage runner's test of its best student, beside the
# stages' folders.
STUDENT_TEST = 'student_test'
# Top-level keys the two-stage runner reads; a key one typo away is refused.
RUNNER_KEYS = ('stage', 'stages', 'teacher_checkpoint', 'test_student',
               'text_prefix')
# The dataloaders of each stage that read the text: the teacher's all, the
# student's where its teacher runs (training); the deployed student none.
TEXT_LOADERS = dict(
    teacher=('train_dataloader', 'val_dataloader', 'test_dataloader'),
    student=('train_dataloader', ))


class UnknownConfigKeyError(UserFacingError, KeyError):
    """A config key that nothing reads, close to one that is read."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def is_two_stage(cfg: Config) -> bool:
    """Whether ``cfg`` runs FGI's teacher and student in one command."""
    return cfg.get('runner_type') == TWO_STAGE_RUNNER


def check_two_stage_config(cfg: Config) -> None:
    """Refuse a two-stage config that its runner would misread.

    ``stagee=teacher`` would be ignored and both stages trained, so
    top-level keys that are close misspellings of the runner's own are
    refused, and ``stages`` must hold exactly the two stages.

    Raises:
        UnknownConfigKeyError: A key is a near miss of a runner key.
        ValueError: ``stages`` is missing or has other keys.
    """
    for key in cfg.keys():
        if key in RUNNER_KEYS:
            continue
        close = difflib.get_close_matches(key, RUNNER_KEYS, n=1, cutoff=0.8)
        if close:
            raise UnknownConfigKeyError(
                f'config key "{key}" is not read by {TWO_STAGE_RUNNER}; did '
                f'you mean "{close[0]}"? (it reads {", ".join(RUNNER_KEYS)})')
    if 'stages' not in cfg or set(cfg.stages) != set(STAGES):
        raise ValueError(f'{TWO_STAGE_RUNNER} needs cfg.stages with the keys '
                         f'{STAGES}')


def stage_work_dir(work_dir: str, name: str) -> str:
    """The folder of a two-stage run's stage ``name`` (or of its student
    test, :data:`STUDENT_TEST`) under the run's ``work_dir``."""
    return osp.join(osp.abspath(work_dir), name)


def stage_config(cfg: Config, name: str) -> Config:
    """The plain single-stage config of stage ``name`` of a two-stage config.

    ``cfg.text_prefix`` (the ``data_prefix`` entries of the dataset's text
    embeddings, e.g. ``dict(text_embed_path=...)``) is merged into the
    ``data_prefix`` of the stage's :data:`TEXT_LOADERS`, then
    ``cfg.stages[name]`` onto the config; a stage's ``model`` replaces the
    network wholesale, and otherwise the teacher stage trains
    ``model.teacher`` (with the student's ``data_preprocessor``). The
    runner's own keys are dropped. The stage works in
    ``<work_dir>/<name>`` when the config has a ``work_dir``.

    Args:
        cfg (Config): A two-stage config (checked with
            :func:`check_two_stage_config`).
        name (str): ``teacher`` or ``student``.

    Returns:
        Config: A config for mmengine's ``Runner``.
    """
    check_two_stage_config(cfg)
    stage = copy.deepcopy(cfg)
    overrides = copy.deepcopy(stage.stages[name].to_dict())
    text = stage.get('text_prefix')
    for key in RUNNER_KEYS + ('runner_type', ):
        stage.pop(key, None)
    for loader in TEXT_LOADERS[name]:
        if text and stage.get(loader):
            stage.merge_from_dict(
                {loader: dict(dataset=dict(data_prefix=dict(text)))})
    if 'model' in overrides:
        stage.model = overrides.pop('model')
    elif name == 'teacher':
        stage.model = dict(
            stage.model.teacher,
            data_preprocessor=stage.model.data_preprocessor)
    stage.merge_from_dict(overrides)
    if cfg.get('work_dir') is not None:
        stage.work_dir = stage_work_dir(cfg.work_dir, name)
    return stage


def is_distill_model(model_cfg: dict) -> bool:
    """Whether ``model_cfg`` is an FGI student (teacher inside)."""
    return model_cfg.get('type') in ('DistillEncoderDecoder',
                                     DistillEncoderDecoder)


def student_config(model_cfg: dict) -> ConfigDict:
    """The deployable student of a :class:`DistillEncoderDecoder` config.

    The keys that only :class:`DistillEncoderDecoder` takes (teacher,
    losses, DARM...) are dropped; what remains (backbone, decode head,
    ``data_preprocessor``, test settings) builds the same network as a
    plain :class:`EncoderDecoder`, whose ``predict`` the student uses.

    Args:
        model_cfg (dict): A ``DistillEncoderDecoder`` model config.

    Returns:
        ConfigDict: An ``EncoderDecoder`` model config.
    """
    own = set(inspect.signature(DistillEncoderDecoder.__init__).parameters)
    own -= {'self', 'kwargs'}
    student = ConfigDict({
        key: copy.deepcopy(value)
        for key, value in model_cfg.items() if key not in own
    })
    student.type = 'EncoderDecoder'
    return student


def deploy_config(config: Union[str, Path, Config],
                  cfg_options: Optional[dict] = None) -> Config:
    """The config of the deployable network.

    An FGI config (``runner_type='TwoStageRunner'``) becomes its student
    stage's config, and a ``DistillEncoderDecoder`` model the student
    alone; any other model is kept as it is.

    Args:
        config (str | Path | Config): Config file or object (not modified).
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        Config: A new config whose ``model`` needs no teacher or text.
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif isinstance(config, Config):
        config = copy.deepcopy(config)
    else:
        raise TypeError('config must be a filename or Config object, '
                        f'but got {type(config)}')
    if cfg_options:
        check_override_keys(config, cfg_options)
        config.merge_from_dict(cfg_options)
    if is_two_stage(config):
        config = stage_config(config, 'student')
    if is_distill_model(config.model):
        config.model = student_config(config.model)
    if isinstance(config.model.get('backbone'), dict) and \
            'init_cfg' in config.model.backbone:
        config.model.backbone.init_cfg = None  # no pretrained download
    config.model.pretrained = None
    config.model.train_cfg = None
    return config


def prepare_config(config: str,
                   work_dir: Optional[str] = None,
                   cfg_options: Optional[dict] = None,
                   launcher: str = 'none') -> Config:
    """Load ``config`` and apply the command-line overrides of the tools.

    ``work_dir`` comes from the command line, else from the config, else
    ``./work_dirs/<config name>``, as in mmsegmentation's tools. On a GPU
    the config gets its GPU-bound loop (:func:`use_gpu_fast_path`); under
    a distributed launcher on a machine without GPUs, the gloo process
    group is started (:func:`setup_cpu_distributed`).

    Args:
        config (str): Config file path.
        work_dir (str, optional): ``--work-dir``.
        cfg_options (dict, optional): ``--cfg-options``.
        launcher (str): ``--launcher``.

    Returns:
        Config: The config, ready for a runner.
    """
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options:
        check_override_keys(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    setup_cpu_distributed(cfg, launcher)
    use_gpu_fast_path(cfg)
    return cfg
