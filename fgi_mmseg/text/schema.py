"""The constrained report schema of method §4: prompt, validation, phrases.

A describer (a VLM, or an offline stand-in) answers with one JSON object::

    {"location": "lower left", "boundary": "irregular",
     "characteristics": ["lobulated", "reddish", "granular"],
     "area_percentage": 12, "confidence": "high", "remarks": ""}

:func:`validate_report` is the single gate every report passes before it is
written or encoded: it normalises harmless variation (case, whitespace,
``upper-left`` for ``upper left``, a comma-separated string for the
characteristics list, ``"12%"`` for 12) and rejects everything else with a
:class:`ReportValidationError` that names the key, the offending value and
what was expected, so a reply can be retried or the failure recorded with a
useful reason. :func:`render_phrases` turns a validated report into the short
normalised phrases the text encoder tokenises. :func:`report_json_schema` is
the same schema as JSON Schema, sent to servers that constrain decoding.
"""
import math
import re
import string
from typing import Any, Dict, Iterable, List, Mapping, Set

LOCATIONS = ('upper left', 'upper right', 'lower left', 'lower right',
             'center')
BOUNDARIES = ('clear', 'irregular', 'ambiguous')
SHAPES = ('smooth', 'spiculated', 'lobulated')
CONFIDENCES = ('high', 'moderate', 'low')
# Key order of a normalised report and of the rendered phrases.
KEYS = ('location', 'boundary', 'characteristics', 'area_percentage',
        'confidence', 'remarks')

MAX_EXTRA_WORDS = 4  # texture/brightness words besides the shape word
MAX_WORD_CHARS = 20
MAX_REMARKS_CHARS = 200
# One or two words of letters and hyphens ('granular', 'well-defined',
# 'dark red'); digits and punctuation would let free text in. The pieces are
# shared with the JSON Schema, so that the two cannot drift apart.
# (Plain groups: llama.cpp's schema converter rejects '(?:'.)
_PART = r'[a-z]+(-[a-z]+)*'
_WORD_RE = re.compile(rf'^{_PART}( {_PART})?$')
# Shown in error messages; long replies are cut so logs stay readable.
_MAX_SHOWN = 80

PROMPT = f"""\
You are an expert in medical image analysis. The image shows one abnormal \
region (for example a polyp or a lesion). Describe that region.

Reply with exactly one JSON object and nothing else (no code fences, no \
text before or after it), with exactly these keys:

- "location": where the region's centre lies, one of \
{', '.join(f'"{v}"' for v in LOCATIONS)}.
- "boundary": how its boundary looks, one of \
{', '.join(f'"{v}"' for v in BOUNDARIES)}.
- "characteristics": a list of short words. It must contain exactly one \
shape word, one of {', '.join(f'"{v}"' for v in SHAPES)}, and may add up to \
{MAX_EXTRA_WORDS} short texture or brightness words (one or two words each, \
letters and hyphens only, for example "reddish", "granular", "bright").
- "area_percentage": the percentage of the image the region covers, a \
number from 0 to 100.
- "confidence": how confident you are, one of \
{', '.join(f'"{v}"' for v in CONFIDENCES)}.
- "remarks": a short free-text remark of at most {MAX_REMARKS_CHARS} \
characters, or "".

Example:
{{"location": "lower left", "boundary": "irregular", \
"characteristics": ["lobulated", "reddish", "granular"], \
"area_percentage": 12, "confidence": "high", "remarks": ""}}
"""


class ReportValidationError(ValueError):
    """A report breaks the schema.

    Attributes:
        key: The offending key (``'<report>'`` when the reply is not an
            object at all).
        value: The offending value as received.
        expected: What the schema expects there, in words.
    """

    def __init__(self, key: str, value: Any, expected: str) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        super().__init__(
            f'report key {key!r}: got {_shown(value)}, expected {expected}')

    def __reduce__(self):
        # Exceptions pickle through their args; keep the three fields.
        return type(self), (self.key, self.value, self.expected)


def _shown(value: Any) -> str:
    """``repr`` of a value, shortened for messages."""
    text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[:_MAX_SHOWN - 3] + '...'
    return text


def _squash(text: str) -> str:
    """Lower-case with runs of whitespace collapsed to one space."""
    return ' '.join(text.lower().split())


def _choice(key: str, value: Any, allowed: tuple) -> str:
    """Normalise a categorical value; ``upper_left``/``Upper-Left`` count."""
    expected = 'one of ' + ', '.join(repr(v) for v in allowed)
    if not isinstance(value, str):
        raise ReportValidationError(key, value, expected)
    normal = _squash(value.replace('-', ' ').replace('_', ' '))
    if normal == 'centre':  # British spelling, same meaning
        normal = 'center'
    if normal not in allowed:
        raise ReportValidationError(key, value, expected)
    return normal


def _characteristics(value: Any) -> List[str]:
    """Validate the shape word plus the free texture/brightness words."""
    key = 'characteristics'
    if isinstance(value, str):
        items = value.split(',')
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ReportValidationError(
            key, value, 'a list of words or a comma-separated string')
    words: List[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ReportValidationError(key, item, 'each item to be a string')
        word = _squash(item)
        if not word or word in words:  # a trailing comma or a repeat
            continue
        if len(word) > MAX_WORD_CHARS or not _WORD_RE.match(word):
            raise ReportValidationError(
                key, item, f'one or two words of letters and hyphens, at '
                f'most {MAX_WORD_CHARS} characters')
        words.append(word)
    shapes = [w for w in words if w in SHAPES]
    if len(shapes) != 1:
        raise ReportValidationError(
            key, value, 'exactly one shape word from ' +
            ', '.join(repr(s) for s in SHAPES) +
            (f' (found {len(shapes)})' if shapes else ' (found none)'))
    extra = [w for w in words if w not in SHAPES]
    if len(extra) > MAX_EXTRA_WORDS:
        raise ReportValidationError(
            key, value, f'at most {MAX_EXTRA_WORDS} words besides the shape '
            f'word (found {len(extra)})')
    # The shape word first, so the rendered phrase reads 'lobulated, ...'.
    return shapes + extra


def _area(value: Any) -> float:
    """A percentage in [0, 100]; numeric strings such as '12%' count."""
    key, expected = 'area_percentage', 'a number in [0, 100]'
    number = value
    if isinstance(value, str):
        text = value.strip().rstrip('%').strip()
        try:
            number = float(text)
        except ValueError:
            raise ReportValidationError(key, value, expected) from None
    # bool is an int subclass, but True is not a percentage.
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise ReportValidationError(key, value, expected)
    number = float(number)
    if not math.isfinite(number) or not 0.0 <= number <= 100.0:
        raise ReportValidationError(key, value, expected)
    # + 0.0 turns -0.0 into 0.0: a minus sign is no part of a normal form
    # (and grammar-constrained decoders cannot write it for a minimum of 0).
    return round(number, 2) + 0.0


def _remarks(value: Any) -> str:
    """Short free text; ``null`` means no remark."""
    key = 'remarks'
    if value is None:
        return ''
    if not isinstance(value, str):
        raise ReportValidationError(key, value, 'a string')
    text = ' '.join(value.split())
    if len(text) > MAX_REMARKS_CHARS:
        raise ReportValidationError(
            key, value, f'at most {MAX_REMARKS_CHARS} characters (got '
            f'{len(text)})')
    return text


def validate_report(obj: Any) -> Dict[str, Any]:
    """Check a report against the schema and return its normalised form.

    Keys are matched case-insensitively; every key of :data:`KEYS` is
    required and no other key is allowed.

    Args:
        obj: The parsed reply (normally a ``dict`` from ``json.loads``).

    Returns:
        A new dict with the keys in :data:`KEYS` order: categorical values
        lower-case from their allowed sets, ``characteristics`` a list with
        the shape word first, ``area_percentage`` a float (2 decimals) and
        ``remarks`` a whitespace-normalised string.

    Raises:
        ReportValidationError: Naming the first offending key, its value
            and what was expected.
    """
    if not isinstance(obj, Mapping):
        raise ReportValidationError('<report>', obj, 'a JSON object')
    fields: Dict[str, Any] = {}
    for raw_key, value in obj.items():
        key = _squash(raw_key) if isinstance(raw_key, str) else raw_key
        if key not in KEYS:
            raise ReportValidationError(
                str(raw_key), value,
                'no such key (allowed: ' + ', '.join(KEYS) + ')')
        if key in fields:
            raise ReportValidationError(str(raw_key), value,
                                        'each key only once')
        fields[key] = value
    for key in KEYS:
        if key not in fields:
            raise ReportValidationError(key, '<missing>', 'the key to be '
                                        'present')
    return {
        'location': _choice('location', fields['location'], LOCATIONS),
        'boundary': _choice('boundary', fields['boundary'], BOUNDARIES),
        'characteristics': _characteristics(fields['characteristics']),
        'area_percentage': _area(fields['area_percentage']),
        'confidence': _choice('confidence', fields['confidence'],
                              CONFIDENCES),
        'remarks': _remarks(fields['remarks']),
    }


def _letter_class(letters: Iterable[str]) -> str:
    """A regex class of lowercase letters, in ranges: ``'[a-kmt-z]'``."""
    runs: List[List[str]] = []
    for letter in sorted(letters):
        if runs and ord(letter) == ord(runs[-1][1]) + 1:
            runs[-1][1] = letter
        else:
            runs.append([letter, letter])
    return '[' + ''.join(a if a == b else f'{a}-{b}' for a, b in runs) + ']'


def _none_of(words: Iterable[str]) -> str:
    """A regex (unanchored) for the words ``[a-z]+`` other than ``words``.

    It is spelled out as a trie of alternatives because grammar-based
    decoders (llama.cpp, vLLM's xgrammar and llguidance) support neither
    JSON Schema's ``not`` nor regex look-arounds.
    """

    def after(suffixes: Set[str]) -> str:
        # Ways to continue a prefix whose possible endings into ``words``
        # are ``suffixes`` ('' in it: the prefix itself is one of them).
        heads = sorted({s[0] for s in suffixes if s})
        alternatives = [
            head + after({s[1:] for s in suffixes if s[:1] == head})
            for head in heads
        ]
        others = set(string.ascii_lowercase) - set(heads)
        alternatives.append(_letter_class(others) + '[a-z]*')  # no word
        group = '(' + '|'.join(alternatives) + ')'
        return group if '' in suffixes else group + '?'  # may stop here

    # The empty prefix may not stop either: a word has a letter.
    return after(set(words) | {''})


def report_json_schema() -> Dict[str, Any]:
    """The report schema as a JSON Schema (draft 2020-12), for decoding.

    It admits exactly the normalised reports: every report it accepts
    passes :func:`validate_report`, and every report
    :func:`validate_report` returns satisfies it. (The validator also
    accepts harmless variants such as ``'Upper-Left'`` or ``'12%'``; a
    constrained decoder need never produce them.)

    Written for the grammar-based decoders of local servers (llama.cpp,
    vLLM's xgrammar and llguidance): no ``not``, no look-arounds, patterns
    anchored and with plain groups, and ``characteristics`` as one tuple
    per word count (the shape word first, as :func:`validate_report` puts
    it), since llama.cpp ignores ``prefixItems`` beside ``items``. A
    decoder that skips a keyword (llama.cpp: ``maxLength`` beside
    ``pattern``, ``minimum``, ``maximum``) constrains a little less; every
    reply is validated anyway.

    Returns:
        A new dict each call (callers may modify it).
    """

    def one_of(values: tuple) -> Dict[str, Any]:
        return {'type': 'string', 'enum': list(values)}

    def words(extra: int) -> Dict[str, Any]:
        """The shape word, then exactly ``extra`` other words."""
        return {'type': 'array', 'minItems': 1 + extra, 'items': False,
                'prefixItems': [{'$ref': '#/$defs/shape'}] +
                [{'$ref': '#/$defs/word'} for _ in range(extra)]}

    # Any word but a shape word: another single word, a hyphenated word,
    # or two words.
    other_word = (f'^({_none_of(SHAPES)}|[a-z]+(-[a-z]+)+|'
                  f'{_PART} {_PART})$')
    return {
        'type': 'object',
        'properties': {
            'location': one_of(LOCATIONS),
            'boundary': one_of(BOUNDARIES),
            'characteristics': {
                'anyOf': [words(n) for n in range(MAX_EXTRA_WORDS + 1)]},
            'area_percentage': {'type': 'number', 'minimum': 0,
                                'maximum': 100},
            'confidence': one_of(CONFIDENCES),
            'remarks': {'type': 'string', 'maxLength': MAX_REMARKS_CHARS},
        },
        'required': list(KEYS),
        'additionalProperties': False,
        '$defs': {
            'shape': one_of(SHAPES),
            'word': {'type': 'string', 'maxLength': MAX_WORD_CHARS,
                     'pattern': other_word},
        },
    }


def _area_phrase(area: float) -> str:
    """'about 12 percent of the image'; tiny non-zero areas stay non-zero."""
    if 0 < area < 0.5:
        return 'less than 1 percent of the image'
    return f'about {int(math.floor(area + 0.5))} percent of the image'


def render_phrases(report: Mapping[str, Any]) -> List[str]:
    """One short normalised phrase per field, in :data:`KEYS` order.

    The report is validated first, so equal reports always give equal
    phrases, e.g. ``['located at the lower left', 'irregular boundary',
    'lobulated, reddish, granular', 'about 12 percent of the image',
    'high confidence']``; an empty ``remarks`` gives no phrase.

    Args:
        report: A report (validated or not).

    Returns:
        The phrases, five or six of them.

    Raises:
        ReportValidationError: If the report breaks the schema.
    """
    report = validate_report(report)
    phrases = [
        f"located at the {report['location']}",
        f"{report['boundary']} boundary",
        ', '.join(report['characteristics']),
        _area_phrase(report['area_percentage']),
        f"{report['confidence']} confidence",
    ]
    if report['remarks']:
        phrases.append(report['remarks'])
    return phrases
