from .mode_keeping_train_loop import ModeKeepingIterBasedTrainLoop

__all__ = ['ModeKeepingIterBasedTrainLoop']
