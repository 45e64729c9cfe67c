from .two_stage_runner import TwoStageRunner

__all__ = ['TwoStageRunner']
