from .config import prepare_config
from .io import write_json_atomic

__all__ = ['prepare_config', 'write_json_atomic']
