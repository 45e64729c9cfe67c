"""descriptions.jsonl: torn lines, latest record wins, whole-line appends."""
import json
import os

import pytest

from fgi_mmseg.text.records import (DescriptionRecord, JsonlAppender,
                                    RecordFormatError, read_records,
                                    unterminated_tail)

REPORT = {
    'location': 'center',
    'boundary': 'clear',
    'characteristics': ['smooth'],
    'area_percentage': 5.0,
    'confidence': 'high',
    'remarks': '',
}


def ok(sample_id, **changes):
    return DescriptionRecord(sample_id, 'gaze', report=dict(REPORT, **changes))


def fail(sample_id, reason='HTTP 500'):
    return DescriptionRecord(sample_id, 'gaze', error=reason)


def test_appender_writes_whole_lines(tmp_path, monkeypatch):
    path = tmp_path / 'sub' / 'd.jsonl'
    writes = []
    real_write = os.write

    def spy(fd, data):
        writes.append(bytes(data))
        return real_write(fd, data)

    monkeypatch.setattr(os, 'write', spy)
    with JsonlAppender(path) as appender:
        appender.append(ok('a'))
        appender.append(fail('b'))
    # one write per record, each a complete line
    assert len(writes) == 2
    assert all(w.endswith(b'\n') and w.count(b'\n') == 1 for w in writes)
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {'id': 'a', 'describer': 'gaze', 'report': REPORT},
        {'id': 'b', 'describer': 'gaze', 'error': 'HTTP 500'},
    ]


def test_latest_record_wins(tmp_path):
    path = tmp_path / 'd.jsonl'
    with JsonlAppender(path) as appender:
        appender.append(fail('a'))
        appender.append(ok('b'))
        appender.append(ok('a', area_percentage=7))
    records = read_records(path)
    assert list(records) == ['b', 'a']
    assert records['a'].ok and records['a'].report['area_percentage'] == 7.0
    # the failure is still in the file: never silently replaced
    assert path.read_text().count('"error"') == 1
    assert read_records(tmp_path / 'missing.jsonl') == {}


@pytest.mark.parametrize('tail', [
    b'{"id": "c", "describer": "gaze", "rep',  # torn mid-record
    b'{"id": "c", "describer": "gaze", "error": "x"}',  # no newline yet
])
def test_torn_last_line_is_ignored_then_truncated(tmp_path, tail):
    path = tmp_path / 'd.jsonl'
    with JsonlAppender(path) as appender:
        appender.append(ok('a'))
        appender.append(ok('b'))
    good = path.read_bytes()
    path.write_bytes(good + tail)
    assert list(read_records(path)) == ['a', 'b']
    assert unterminated_tail(path) == len(tail)
    with JsonlAppender(path) as appender:
        assert appender.repaired_bytes == len(tail)
        assert path.read_bytes() == good
        appender.append(ok('c'))
    assert list(read_records(path)) == ['a', 'b', 'c']
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_a_complete_invalid_last_line_is_kept_and_reported(tmp_path):
    path = tmp_path / 'd.jsonl'
    with JsonlAppender(path) as appender:
        appender.append(ok('a'))
    damaged = path.read_bytes() + b'{"id": "b", "describer": "gaze"}\n'
    path.write_bytes(damaged)
    with JsonlAppender(path) as appender:  # not an interruption's trace
        assert appender.repaired_bytes == 0
    assert path.read_bytes() == damaged
    assert unterminated_tail(path) == 0
    with pytest.raises(RecordFormatError, match=r'd.jsonl:2: '):
        read_records(path)


def test_damage_before_the_last_line_is_reported_not_hidden(tmp_path):
    path = tmp_path / 'd.jsonl'
    path.write_text('{"id": "a"\n' + ok('b').to_line().decode())
    with JsonlAppender(path) as appender:
        assert appender.repaired_bytes == 0
    with pytest.raises(RecordFormatError, match=r'd.jsonl:1'):
        read_records(path)


def test_invalid_records_are_rejected(tmp_path):
    with pytest.raises(RecordFormatError, match='exactly one'):
        DescriptionRecord('a', 'gaze')
    with pytest.raises(RecordFormatError, match='exactly one'):
        DescriptionRecord('a', 'gaze', report=REPORT, error='x')
    path = tmp_path / 'd.jsonl'
    bad = dict(REPORT, location='nowhere')
    path.write_text(json.dumps({'id': 'a', 'describer': 'x',
                                'report': bad}) + '\n')
    with pytest.raises(RecordFormatError, match="'location'"):
        read_records(path)


def test_second_writer_is_refused(tmp_path):
    path = tmp_path / 'd.jsonl'
    with JsonlAppender(path):
        with pytest.raises(RuntimeError, match='another process'):
            JsonlAppender(path)
    with JsonlAppender(path) as appender:  # released on close
        appender.append(ok('a'))
    with pytest.raises(ValueError, match='closed'):
        appender.append(ok('b'))
