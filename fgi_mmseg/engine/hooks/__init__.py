from .gaze_panel_hook import GazePanelHook

__all__ = ['GazePanelHook']
