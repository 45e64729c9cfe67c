from .checkpoint import load_mmengine_checkpoint
from .dist import setup_cpu_distributed
from .hooks import GazePanelHook
from .runners import TwoStageRunner

__all__ = ['load_mmengine_checkpoint', 'setup_cpu_distributed',
           'GazePanelHook', 'TwoStageRunner']
