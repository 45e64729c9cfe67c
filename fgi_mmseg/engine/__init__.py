from .checkpoint import load_from_local_safe
from .dist import setup_cpu_distributed
from .hooks import ChannelsLastHook, GazePanelHook
from .optimizers import AutocastOptimWrapper
from .runners import TwoStageRunner

__all__ = ['load_from_local_safe', 'setup_cpu_distributed',
           'AutocastOptimWrapper', 'ChannelsLastHook', 'GazePanelHook',
           'TwoStageRunner']
