"""The report's JSON Schema agrees with ``validate_report`` (property test).

The schema is checked with :func:`conforms`, a validator of exactly the
keywords :func:`report_json_schema` emits (a test makes sure it emits no
other), so the test needs no JSON Schema library.
"""
import json
import math
import re
from typing import Any, Dict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fgi_mmseg.text.schema import (BOUNDARIES, CONFIDENCES, KEYS, LOCATIONS,
                                   MAX_EXTRA_WORDS, MAX_REMARKS_CHARS,
                                   MAX_WORD_CHARS, SHAPES,
                                   ReportValidationError, report_json_schema,
                                   validate_report)
from tests.test_text.test_schema import VALID

SCHEMA = report_json_schema()
KEYWORDS = {'type', 'enum', 'properties', 'required', 'additionalProperties',
            'anyOf', '$ref', '$defs', 'prefixItems', 'items', 'minItems',
            'pattern', 'maxLength', 'minimum', 'maximum'}
TYPES = {
    'object': lambda v: isinstance(v, dict),
    'array': lambda v: isinstance(v, list),
    'string': lambda v: isinstance(v, str),
    # JSON has no booleans among its numbers (Python does).
    'number': lambda v: isinstance(v, (int, float)) and
    not isinstance(v, bool),
}


def _pattern(pattern: str, value: str) -> bool:
    # The emitted patterns are anchored with ^...$. JSON Schema's (ECMA-262)
    # '$' matches only at the very end, Python's also before a final
    # newline; fullmatch gives the ECMA answer for anchored patterns.
    assert pattern.startswith('^') and pattern.endswith('$'), pattern
    return re.fullmatch(pattern, value) is not None


def _object(value: Dict[str, Any], schema: Dict[str, Any]) -> bool:
    properties = schema.get('properties', {})
    if any(key not in value for key in schema.get('required', ())):
        return False
    if schema.get('additionalProperties') is False and \
            set(value) - set(properties):
        return False
    return all(conforms(value[key], sub) for key, sub in properties.items()
               if key in value)


def _array(value: list, schema: Dict[str, Any]) -> bool:
    if len(value) < schema.get('minItems', 0):
        return False
    prefix = schema.get('prefixItems', [])
    if not all(conforms(v, sub) for v, sub in zip(value, prefix)):
        return False
    rest = schema.get('items', True)
    return all(conforms(v, rest) for v in value[len(prefix):])


def conforms(value: Any, schema: Any) -> bool:
    """Whether ``value`` satisfies ``schema`` (a part of SCHEMA), for the
    keywords in KEYWORDS."""
    if isinstance(schema, bool):  # true: anything, false: nothing
        return schema
    if '$ref' in schema:
        name = schema['$ref'].split('#/$defs/')[1]
        return conforms(value, SCHEMA['$defs'][name])
    if 'anyOf' in schema:
        return any(conforms(value, sub) for sub in schema['anyOf'])
    kind = schema.get('type')
    if kind is not None and not TYPES[kind](value):
        return False
    if 'enum' in schema and value not in schema['enum']:
        return False
    if kind == 'object':
        return _object(value, schema)
    if kind == 'array':
        return _array(value, schema)
    if kind == 'string':
        return (len(value) <= schema.get('maxLength', math.inf) and
                ('pattern' not in schema or
                 _pattern(schema['pattern'], value)))
    if kind == 'number':
        return schema.get('minimum', -math.inf) <= value <= \
            schema.get('maximum', math.inf)
    return True


def accepted(report: Any) -> bool:
    try:
        validate_report(report)
    except ReportValidationError:
        return False
    return True


def _keywords(schema: Any):
    """Every keyword used anywhere in a schema."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield key
            if key in ('properties', '$defs'):
                for sub in value.values():
                    yield from _keywords(sub)
            elif key in ('items', 'prefixItems', 'anyOf'):
                yield from _keywords(value)
    elif isinstance(schema, list):
        for sub in schema:
            yield from _keywords(sub)


# -- strategies: normalised reports, then changes across every rule -------
# Valid non-shape words: near the shape words, hyphens, two words, and the
# longest allowed.
OTHER_WORDS = st.one_of(
    st.sampled_from(['reddish', 'dark red', 'well-defined', 'smoothish',
                     'lobulate', 'spiculatedd', 'smooth red', 'non-smooth',
                     'a', 'x' * MAX_WORD_CHARS, 'ab-cd ef-gh-ij-klmn']),
    st.from_regex(r'[a-z]{1,7}(-[a-z]{1,4})?( [a-z]{1,6})?',
                  fullmatch=True)).filter(lambda w: w not in SHAPES)
# Words the validator rejects, or rewrites (case, spaces, newlines).
ODD_WORDS = st.one_of(
    st.just('x' * (MAX_WORD_CHARS + 1)),
    st.sampled_from(['Smooth', ' smooth', 'smooth\n', 'dark  red', 'a b c',
                     '5mm', 'red-', '-a', '', 'éclair', 7, None]),
    st.text('abhilmostuz -\n', max_size=MAX_WORD_CHARS + 2))
# Remarks: any text, and lengths at the limit.
TEXT = st.one_of(
    st.text(' ab\n', max_size=MAX_REMARKS_CHARS + 2),
    st.integers(MAX_REMARKS_CHARS - 1, MAX_REMARKS_CHARS + 1).map(
        lambda n: 'r' * n))


@st.composite
def normal_reports(draw) -> Dict[str, Any]:
    """A report as validate_report returns it."""
    extra = draw(st.one_of(
        st.lists(OTHER_WORDS, max_size=MAX_EXTRA_WORDS, unique=True),
        st.lists(OTHER_WORDS, min_size=MAX_EXTRA_WORDS,
                 max_size=MAX_EXTRA_WORDS, unique=True)))
    return {
        'location': draw(st.sampled_from(LOCATIONS)),
        'boundary': draw(st.sampled_from(BOUNDARIES)),
        'characteristics': [draw(st.sampled_from(SHAPES)), *extra],
        'area_percentage': draw(st.one_of(
            st.sampled_from([0.0, 100.0]),
            st.floats(0, 100).map(lambda a: round(a, 2)))),
        'confidence': draw(st.sampled_from(CONFIDENCES)),
        'remarks': draw(TEXT.map(lambda t: ' '.join(t.split())).filter(
            lambda t: len(t) <= MAX_REMARKS_CHARS)),
    }


def _changed_words(draw, words: list) -> Any:
    """The characteristics with one rule broken or bent."""
    if not isinstance(words, list):  # changed already
        return words
    how = draw(st.sampled_from(['shape', 'no shape', 'not shape', 'many',
                                'odd', 'order', 'repeat', 'string', 'type']))
    if how == 'shape':  # a second shape word, within the word limit
        second = [shape for shape in SHAPES if shape not in words]
        return words[:MAX_EXTRA_WORDS] + [draw(st.sampled_from(second))]
    if how == 'no shape':
        return words[1:]
    if how == 'not shape':  # another word where the shape word belongs
        return [draw(OTHER_WORDS)] + words[1:]
    if how == 'many':  # one word too many
        return words[:1] + draw(st.lists(
            OTHER_WORDS, min_size=MAX_EXTRA_WORDS + 1,
            max_size=MAX_EXTRA_WORDS + 1, unique=True))
    if how == 'odd':
        return words[:MAX_EXTRA_WORDS] + [draw(ODD_WORDS)]
    if how == 'order':
        return words[::-1]
    if how == 'repeat':
        return words + words
    if how == 'string':
        return ', '.join(words)
    return draw(st.sampled_from([[], 5, None, {}, 'smooth']))


CHANGED = {
    'location': st.sampled_from(['centre', 'Upper-Left', 'upper_left',
                                 'top left', '', 3, None, ['center']]),
    'boundary': st.sampled_from(['Clear', ' clear ', 'fuzzy', True]),
    'confidence': st.sampled_from(['HIGH', 'very high', 0.9]),
    'area_percentage': st.one_of(
        st.floats(-10, 110), st.integers(-5, 105),
        st.sampled_from([100.001, 100.5, 101]),
        st.sampled_from([-0.001, -0.5, -1]),
        st.sampled_from([-0.0, math.nan, math.inf, True, False, '12%', ' 5 ',
                         'large', None])),
    'remarks': st.one_of(TEXT, st.sampled_from(
        ['x' * (MAX_REMARKS_CHARS + 1), None, 3, ['a']])),
}


@st.composite
def reports(draw) -> Dict[str, Any]:
    """A normalised report, left alone or with a few things changed."""
    report = draw(normal_reports())
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 1, 2]))):
        # characteristics has the most rules to cover
        key = draw(st.sampled_from(KEYS + ('characteristics', ) * 3))
        how = draw(st.sampled_from(['value'] * 4 + ['drop', 'rename',
                                                    'add']))
        if key not in report:
            continue
        if how == 'drop':
            del report[key]
        elif how == 'rename':
            report[key.title()] = report.pop(key)
        elif how == 'add':
            report['size'] = 'big'
        elif key == 'characteristics':
            report[key] = _changed_words(draw, report[key])
        else:
            report[key] = draw(CHANGED[key])
    return report


@settings(max_examples=1000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_schema_agrees_with_the_validator(report):
    if conforms(report, SCHEMA):
        # It rejects what the validator rejects ...
        assert accepted(report), report
    if accepted(report):
        # ... and accepts every report the validator accepts, in the
        # normalised form the validator returns.
        normal = validate_report(report)
        assert conforms(normal, SCHEMA), normal
        # (JSON on the wire: the normal form survives it unchanged.)
        assert conforms(json.loads(json.dumps(normal)), SCHEMA)


def test_schema_uses_only_the_checked_keywords():
    assert set(_keywords(SCHEMA)) <= KEYWORDS
    assert SCHEMA['required'] == list(KEYS)
    assert SCHEMA['additionalProperties'] is False
    props = SCHEMA['properties']
    assert props['area_percentage'] == {'type': 'number', 'minimum': 0,
                                        'maximum': 100}
    for key, values in [('location', LOCATIONS), ('boundary', BOUNDARIES),
                        ('confidence', CONFIDENCES)]:
        assert props[key]['enum'] == list(values)
    assert SCHEMA['$defs']['shape'] == {'type': 'string',
                                        'enum': list(SHAPES)}
    # one tuple per number of words besides the shape word
    tuples = props['characteristics']['anyOf']
    assert [len(t['prefixItems']) for t in tuples] == \
        [1 + n for n in range(MAX_EXTRA_WORDS + 1)]
    assert all(t['items'] is False for t in tuples)
    # patterns a grammar converter compiles: anchored, no '(?' constructs
    assert '(?' not in json.dumps(SCHEMA)
    assert report_json_schema() is not report_json_schema()


@pytest.mark.parametrize('change, ok', [
    ({}, True),
    ({'characteristics': ['smooth']}, True),
    ({'characteristics': ['smooth', 'dark red', 'well-defined', 'a', 'b']},
     True),
    ({'characteristics': ['smooth', 'lobulated']}, False),  # two shapes
    ({'characteristics': ['reddish']}, False),  # no shape
    ({'characteristics': []}, False),
    ({'characteristics': ['smooth', 'a', 'b', 'c', 'd', 'e']}, False),
    ({'characteristics': ['smooth', 'x' * 20]}, True),
    ({'characteristics': ['smooth', 'x' * 21]}, False),
    ({'characteristics': ['smooth', 'smoothish', 'lobulate']}, True),
    ({'area_percentage': 100}, True),
    ({'area_percentage': 100.5}, False),
    ({'area_percentage': True}, False),
    ({'location': 'centre'}, False),  # the validator's spelling: 'center'
    ({'remarks': 'x' * 200}, True),
    ({'remarks': 'x' * 201}, False),
    ({'size': 3}, False),
])
def test_examples(change, ok):
    report = dict(VALID, **change)
    assert conforms(report, SCHEMA) is ok
    if ok:
        assert accepted(report)


@pytest.mark.parametrize('key', KEYS)
def test_every_key_is_required(key):
    report = {k: v for k, v in VALID.items() if k != key}
    assert not conforms(report, SCHEMA) and not accepted(report)
