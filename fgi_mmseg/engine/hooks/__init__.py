from .channels_last_hook import ChannelsLastHook, convert_to_channels_last
from .gaze_panel_hook import GazePanelHook

__all__ = ['ChannelsLastHook', 'convert_to_channels_last', 'GazePanelHook']
