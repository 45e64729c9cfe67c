from . import atomic_backend  # noqa: F401  (atomic local writes)
from .checkpoint import (latest_complete_checkpoint, load_from_local_safe,
                         resolve_resume)
from .dist import setup_cpu_distributed
from .hooks import (AtomicCheckpointHook, ChannelsLastHook, FiniteLossHook,
                    GazePanelHook, RetainFreedMemoryHook)
from .loops import ModeKeepingIterBasedTrainLoop
from .optimizers import AutocastOptimWrapper
from .runners import TwoStageRunner

__all__ = ['load_from_local_safe', 'latest_complete_checkpoint',
           'resolve_resume',
           'AtomicCheckpointHook', 'FiniteLossHook', 'setup_cpu_distributed',
           'AutocastOptimWrapper', 'ChannelsLastHook', 'GazePanelHook',
           'ModeKeepingIterBasedTrainLoop',
           'RetainFreedMemoryHook', 'TwoStageRunner']
