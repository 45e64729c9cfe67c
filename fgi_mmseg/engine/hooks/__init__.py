from .atomic_checkpoint_hook import AtomicCheckpointHook
from .channels_last_hook import ChannelsLastHook, convert_to_channels_last
from .dataset_check_hook import DatasetCheckHook, DatasetProblemsError
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .gaze_panel_hook import GazePanelHook
from .retain_freed_memory_hook import RetainFreedMemoryHook

__all__ = [
    'ChannelsLastHook', 'convert_to_channels_last', 'GazePanelHook',
    'AtomicCheckpointHook', 'FiniteLossHook', 'NonFiniteLossError',
    'DatasetCheckHook', 'DatasetProblemsError', 'RetainFreedMemoryHook'
]
