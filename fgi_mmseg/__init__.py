"""fgi_mmseg: weakly supervised medical image segmentation from gaze and
vision-language descriptions ("From Gaze to Insight") on mmsegmentation.

Importing the package registers its datasets, transforms, models, metrics and
engine parts into mmsegmentation's and mmengine's registries, so configs only
need ``custom_imports = dict(imports=['fgi_mmseg'])``.
"""
from .version import __version__
from . import engine  # noqa: F401,I001  (checkpoint compatibility first)
from . import datasets, evaluation, models  # noqa: F401

__all__ = ['__version__']
