"""The constrained report schema of SPEC.md §4: prompt, validation, phrases.

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
normalised phrases the text encoder tokenises.
"""
import math
import re
from typing import Any, Dict, List, Mapping

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
# 'dark red'); digits and punctuation would let free text in.
_WORD_RE = re.compile(r'^[a-z]+(?:-[a-z]+)*(?: [a-z]+(?:-[a-z]+)*)?$')
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
    return round(number, 2)


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
