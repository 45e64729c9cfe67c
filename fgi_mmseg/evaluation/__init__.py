from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _metrics_all
from .report import format_metrics

__all__ = list(_metrics_all) + ['format_metrics']
