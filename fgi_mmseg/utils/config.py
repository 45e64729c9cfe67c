"""Config preparation shared by the training and testing tools."""
import os.path as osp
from typing import Optional

from mmengine.config import Config

from fgi_mmseg.engine.device_path import use_gpu_fast_path
from fgi_mmseg.engine.dist import setup_cpu_distributed


def prepare_config(config: str,
                   work_dir: Optional[str] = None,
                   cfg_options: Optional[dict] = None,
                   launcher: str = 'none') -> Config:
    """Load ``config`` and apply the command-line overrides of the tools.

    ``work_dir`` comes from the command line, else from the config, else
    ``./work_dirs/<config name>``, as in mmsegmentation's tools. On a GPU
    the config gets its GPU-bound loop (:func:`use_gpu_fast_path`).

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
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    setup_cpu_distributed(cfg, launcher)
    use_gpu_fast_path(cfg)
    return cfg
