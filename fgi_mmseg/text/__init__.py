"""Text: structured region descriptions (SPEC.md §4) and their encoding.

* :mod:`.schema`: the VLM prompt, the constrained report schema and its
  validation, and the phrases rendered from a report;
* :mod:`.records`: the crash-safe ``descriptions.jsonl`` file;
* :mod:`.describers`: ``openai``, ``gaze``, ``blank`` and ``random``
  describers behind one interface;
* :mod:`.pipeline`: running samples through a describer into the file.
"""
from .base import DescribeError, DescribeSample
from .describers import (DESCRIBERS, APIKeyError, BaseDescriber,
                         BlankDescriber, GazeDescriber, OpenAIDescriber,
                         RandomDescriber, build_describer,
                         register_describer)
from .pipeline import DescribeSummary, describe_many
from .records import (DescriptionRecord, JsonlAppender, RecordFormatError,
                      read_records)
from .schema import (KEYS, PROMPT, ReportValidationError, render_phrases,
                     validate_report)

# The text encoder (encoder.py, cache.py) is exported here by its author.

__all__ = [
    'DescribeError', 'DescribeSample', 'DESCRIBERS', 'APIKeyError',
    'BaseDescriber', 'BlankDescriber', 'GazeDescriber', 'OpenAIDescriber',
    'RandomDescriber', 'build_describer', 'register_describer',
    'DescribeSummary', 'describe_many', 'DescriptionRecord', 'JsonlAppender',
    'RecordFormatError', 'read_records', 'KEYS', 'PROMPT',
    'ReportValidationError', 'render_phrases', 'validate_report'
]

from .cache import cached_ids, save_embedding  # noqa: E402
from .encoder import TextEncoder  # noqa: E402

__all__ += ['TextEncoder', 'save_embedding', 'cached_ids']
