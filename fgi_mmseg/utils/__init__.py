from .config import prepare_config

__all__ = ['prepare_config']
