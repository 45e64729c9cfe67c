"""All describers behind one interface, and :func:`build_describer`.

========  ===============================================================
name      what it looks at
========  ===============================================================
openai    the image, via an OpenAI-compatible VLM endpoint
gaze      the gaze heatmap and simple image statistics inside it
blank     nothing: one constant report (prompt ablation)
random    nothing: seeded random values per sample (prompt ablation)
========  ===============================================================

Importing this module registers all of them in :data:`DESCRIBERS`.
"""
from typing import Any

from .base import (DESCRIBERS, BaseDescriber, DescribeError, DescribeSample,
                   register_describer)
from .gaze_describer import GazeDescriber
from .offline import BlankDescriber, RandomDescriber
from .openai_describer import APIKeyError, OpenAIDescriber

__all__ = [
    'DESCRIBERS', 'BaseDescriber', 'DescribeError', 'DescribeSample',
    'register_describer', 'build_describer', 'BlankDescriber',
    'RandomDescriber', 'GazeDescriber', 'OpenAIDescriber', 'APIKeyError'
]


def build_describer(name: str, **kwargs: Any) -> BaseDescriber:
    """Build a registered describer by name.

    Args:
        name: One of :data:`DESCRIBERS` (``openai``, ``gaze``, ``blank``,
            ``random``).
        **kwargs: Passed to the describer's constructor.

    Raises:
        KeyError: If no describer has that name (the message lists them).
    """
    try:
        cls = DESCRIBERS[name]
    except KeyError:
        raise KeyError(f'unknown describer {name!r}; choose from '
                       f'{", ".join(sorted(DESCRIBERS))}') from None
    return cls(**kwargs)
