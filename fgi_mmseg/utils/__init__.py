from .io import write_json_atomic

__all__ = ['prepare_config', 'write_json_atomic']


def __getattr__(name):
    # prepare_config needs mmengine (and so torch); importing it lazily keeps
    # fgi_mmseg.utils.io usable by tools that need neither (build_gaze.py).
    if name == 'prepare_config':
        from .config import prepare_config
        return prepare_config
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
