"""The report schema: validation messages, normalisation and phrases."""
import pytest

from fgi_mmseg.text.schema import (KEYS, PROMPT, ReportValidationError,
                                   render_phrases, validate_report)

VALID = {
    'location': 'lower left',
    'boundary': 'irregular',
    'characteristics': ['lobulated', 'reddish', 'granular'],
    'area_percentage': 12,
    'confidence': 'high',
    'remarks': '',
}


def with_(**changes):
    report = dict(VALID)
    report.update(changes)
    return report


def test_valid_report_is_normalised():
    messy = {
        ' Location ': 'Upper-Left',
        'BOUNDARY': ' Clear ',
        'characteristics': ' reddish ,  SMOOTH,, dark  red, reddish',
        'area_percentage': '12.345 %',
        'confidence': 'Moderate',
        'remarks': '  two   polyps\nnearby ',
    }
    assert validate_report(messy) == {
        'location': 'upper left',
        'boundary': 'clear',
        # the shape word first, duplicates and empty items dropped
        'characteristics': ['smooth', 'reddish', 'dark red'],
        'area_percentage': 12.35,
        'confidence': 'moderate',
        'remarks': 'two polyps nearby',
    }
    assert list(validate_report(VALID)) == list(KEYS)
    # normalising twice changes nothing (records are re-validated on read)
    once = validate_report(messy)
    assert validate_report(once) == once
    assert validate_report(with_(location='centre'))['location'] == 'center'
    assert validate_report(with_(remarks=None))['remarks'] == ''
    # no minus sign on a zero area (a schema-constrained decoder cannot
    # write one)
    assert str(validate_report(with_(area_percentage=-0.0))
               ['area_percentage']) == '0.0'


@pytest.mark.parametrize('key, value, expected', [
    ('location', 'top left', 'upper left'),
    ('location', 3, 'one of'),
    ('boundary', 'fuzzy', 'ambiguous'),
    ('confidence', 'very high', 'moderate'),
    ('area_percentage', 120, '[0, 100]'),
    ('area_percentage', -1, '[0, 100]'),
    ('area_percentage', 'large', '[0, 100]'),
    ('area_percentage', True, '[0, 100]'),
    ('area_percentage', float('nan'), '[0, 100]'),
    ('remarks', 'x' * 201, 'at most 200'),
    ('remarks', ['a'], 'a string'),
    ('characteristics', 5, 'list of words'),
])
def test_bad_value_is_named(key, value, expected):
    with pytest.raises(ReportValidationError) as info:
        validate_report(with_(**{key: value}))
    err = info.value
    assert err.key == key and err.expected and expected in err.expected
    message = str(err)
    assert repr(key) in message and expected in message
    assert repr(value)[:20] in message  # the offending value is shown


@pytest.mark.parametrize('words, offending, expected', [
    (['reddish'], None, 'exactly one shape word'),
    (['smooth', 'lobulated'], None, 'exactly one shape word'),
    (['smooth', 'a b c'], 'a b c', 'one or two words'),
    (['smooth', 'size 5mm'], 'size 5mm', 'letters and hyphens'),
    (['smooth', 'x' * 21], 'x' * 21, 'at most 20'),
    (['smooth', 'a', 'b', 'c', 'd', 'e'], None, 'at most 4 words'),
    (['smooth', 7], 7, 'string'),
])
def test_bad_characteristics(words, offending, expected):
    with pytest.raises(ReportValidationError) as info:
        validate_report(with_(characteristics=words))
    assert info.value.key == 'characteristics'
    assert expected in str(info.value)
    if offending is not None:
        assert info.value.value == offending


def test_missing_extra_and_non_object():
    report = dict(VALID)
    del report['confidence']
    with pytest.raises(ReportValidationError, match="'confidence'.*missing"):
        validate_report(report)
    with pytest.raises(ReportValidationError) as info:
        validate_report(with_(size='big'))
    assert info.value.key == 'size' and 'no such key' in str(info.value)
    with pytest.raises(ReportValidationError, match='JSON object'):
        validate_report(['not', 'an', 'object'])
    with pytest.raises(ReportValidationError, match='only once'):
        validate_report(with_(Location='center'))


def test_long_values_are_shortened_in_messages():
    with pytest.raises(ReportValidationError) as info:
        validate_report(with_(location='z' * 1000))
    assert len(str(info.value)) < 300


def test_render_phrases():
    assert render_phrases(VALID) == [
        'located at the lower left', 'irregular boundary',
        'lobulated, reddish, granular', 'about 12 percent of the image',
        'high confidence'
    ]
    phrases = render_phrases(
        with_(location='Center', area_percentage=0.2, remarks=' Two polyps'))
    assert phrases[0] == 'located at the center'
    assert phrases[3] == 'less than 1 percent of the image'
    assert phrases[-1] == 'Two polyps'
    assert render_phrases(with_(area_percentage=0))[3] == \
        'about 0 percent of the image'
    assert render_phrases(with_(area_percentage=12.5))[3] == \
        'about 13 percent of the image'
    with pytest.raises(ReportValidationError):
        render_phrases(with_(boundary='sharp'))


def test_prompt_lists_every_key_and_value():
    for word in KEYS + ('upper left', 'center', 'ambiguous', 'spiculated',
                        'moderate'):
        assert f'"{word}"' in PROMPT
    assert 'exactly one JSON object' in PROMPT
