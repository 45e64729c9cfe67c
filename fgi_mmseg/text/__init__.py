"""Text: structured region descriptions (method §4) and their encoding.

* :mod:`.schema`: the VLM prompt, the constrained report schema, its
  validation and its JSON Schema, and the phrases rendered from a report;
* :mod:`.records`: the crash-safe ``descriptions.jsonl`` file, where a
  dataset keeps it and a record as one line of text;
* :mod:`.describers`: ``openai``, ``gaze``, ``blank`` and ``random``
  describers behind one interface;
* :mod:`.pipeline`: running samples through a describer into the file;
* :mod:`.encoder`, :mod:`.cache`: text embeddings ``F_t`` and their cache.
"""
from .base import DescribeError, DescribeSample
from .cache import cached_ids, save_embedding
from .describers import (DESCRIBERS, APIKeyError, BaseDescriber,
                         BlankDescriber, GazeDescriber, OpenAIDescriber,
                         RandomDescriber, build_describer,
                         register_describer)
from .encoder import TextEncoder
from .pipeline import DescribeSummary, describe_many
from .records import (DESCRIPTIONS_FILE, NO_DESCRIPTION, DescriptionRecord,
                      JsonlAppender, RecordFormatError, description_text,
                      find_descriptions, read_records)
from .schema import (KEYS, PROMPT, ReportValidationError, render_phrases,
                     report_json_schema, validate_report)

__all__ = [
    'DescribeError', 'DescribeSample', 'DESCRIBERS', 'APIKeyError',
    'BaseDescriber', 'BlankDescriber', 'GazeDescriber', 'OpenAIDescriber',
    'RandomDescriber', 'build_describer', 'register_describer',
    'DescribeSummary', 'describe_many', 'DescriptionRecord', 'JsonlAppender',
    'RecordFormatError', 'read_records', 'DESCRIPTIONS_FILE', 'NO_DESCRIPTION',
    'description_text', 'find_descriptions', 'KEYS', 'PROMPT',
    'ReportValidationError', 'render_phrases', 'report_json_schema',
    'validate_report',
    'TextEncoder', 'save_embedding', 'cached_ids'
]
