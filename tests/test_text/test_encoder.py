"""Tests of the text encoder, the embedding cache and tools/text/encode.py."""
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fgi_mmseg.text.cache import (cached_ids, cached_shapes, embedding_path,
                                  remove_leftovers, save_embedding)
from fgi_mmseg.text.encoder import (TextEncoder, default_model_path,
                                    report_text)
from fgi_mmseg.text.records import DescriptionRecord, read_records
from fgi_mmseg.text.schema import (BOUNDARIES, CONFIDENCES, LOCATIONS,
                                   SHAPES, ReportValidationError,
                                   render_phrases, validate_report)
from tests.conftest import REPO, load_tool, run_tool

TOOL = REPO / 'tools' / 'text' / 'encode.py'
DIM = 384  # all-MiniLM-L6-v2

SHORT = dict(location='center', boundary='clear',
             characteristics=['smooth'], area_percentage=3,
             confidence='high', remarks='')
LONG = dict(location='lower left', boundary='irregular',
            characteristics=['lobulated', 'reddish', 'granular'],
            area_percentage=12.5, confidence='moderate',
            remarks='a broad sessile polyp with a reddish granular surface '
            'and a faint vascular pattern near its lower border')


@pytest.fixture(scope='module')
def encoder():
    return TextEncoder()


def make_reports(count):
    """Valid reports of varied length, cycling through the allowed values."""
    extras = ['reddish', 'granular', 'pale', 'bright', 'dark red',
              'well-defined']
    remarks = ['', 'small', 'near the fold', 'partly hidden by mucus and '
               'bubbles at the edge of the view']
    cycle = itertools.product(LOCATIONS, BOUNDARIES, SHAPES, CONFIDENCES)
    reports = []
    for i, (loc, bound, shape, conf) in zip(range(count),
                                            itertools.cycle(cycle)):
        reports.append(validate_report(dict(
            location=loc, boundary=bound,
            characteristics=[shape] + extras[:i % 5],
            area_percentage=(7 * i) % 101, confidence=conf,
            remarks=remarks[i % len(remarks)])))
    return reports


def write_descriptions(path, count, failures=()):
    """A descriptions.jsonl with ``count`` reports plus recorded failures."""
    lines = [
        DescriptionRecord(f'img_{i:04d}', 'gaze', report=report).to_line()
        for i, report in enumerate(make_reports(count))
    ]
    lines += [
        DescriptionRecord(sample_id, 'openai', error='invalid JSON').to_line()
        for sample_id in failures
    ]
    Path(path).write_bytes(b''.join(lines))
    return path


# ----------------------------------------------------------------- encoder


def test_default_model_is_bundled():
    path = default_model_path()
    assert (path / 'config.json').is_file()


def test_shapes_and_no_padding_rows(encoder):
    assert encoder.embed_dim == DIM
    alone = encoder.encode([SHORT])[0]
    short, long = encoder.encode([SHORT, LONG])
    assert alone.dtype == np.float32 and long.dtype == np.float32
    # One row per real token: special tokens in, padding out.
    num_tokens = len(encoder.tokenizer(report_text(SHORT))['input_ids'])
    assert alone.shape == short.shape == (num_tokens, DIM)
    assert long.shape[1] == DIM and long.shape[0] > short.shape[0]
    # Padding to the longer text does not change the shorter one's rows.
    np.testing.assert_allclose(short, alone, rtol=0, atol=1e-5)


def test_deterministic_and_batch_size_independent(encoder):
    reports = make_reports(5)
    first = encoder.encode(reports)
    second = encoder.encode(reports)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    encoder.batch_size = 2
    try:
        small_batches = encoder.encode(reports)
    finally:
        encoder.batch_size = 32
    for a, b in zip(first, small_batches):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_truncation(encoder):
    encoder.max_length = 8
    try:
        features = encoder.encode([LONG])[0]
    finally:
        encoder.max_length = 64
    assert features.shape == (8, DIM)


def test_report_text_and_validation(encoder):
    assert report_text(LONG) == '; '.join(render_phrases(LONG))
    with pytest.raises(ReportValidationError, match='location'):
        encoder.encode([dict(SHORT, location='middle')])


def test_local_folder_model(encoder):
    local = TextEncoder(str(default_model_path()), batch_size=4)
    assert local.embed_dim == DIM
    np.testing.assert_allclose(
        local.encode([LONG])[0], encoder.encode([LONG])[0], atol=1e-5)


def test_missing_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'does not exist.*save_pretrained'):
        TextEncoder(str(tmp_path / 'no-such-model'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='holds no config.json'):
        TextEncoder(str(tmp_path / 'empty'))
    # A hub name that is not cached: no download is tried.
    with pytest.raises(OSError, match='pass the local folder'):
        TextEncoder('fgi-test/no-such-encoder')


# ------------------------------------------------------------------- cache


def test_cache_round_trip_and_leftovers(tmp_path):
    array = np.arange(12, dtype=np.float64).reshape(3, 4)
    path = save_embedding(tmp_path, 'a', array)
    assert path == embedding_path(tmp_path, 'a') == tmp_path / 'a.npy'
    loaded = np.load(path)
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, array)

    # Leftovers of a killed writer, and a truncated file, are not cached.
    (tmp_path / '.b.npy.x1y2.tmp').write_bytes(b'\x93NUMPY partial')
    save_embedding(tmp_path, 'c', np.ones((5, 4)))
    data = (tmp_path / 'c.npy').read_bytes()
    (tmp_path / 'c.npy').write_bytes(data[:-7])
    (tmp_path / 'd.npy').write_bytes(b'not an array')
    assert cached_ids(tmp_path) == {'a'}
    assert cached_shapes(tmp_path) == {'a': (3, 4)}
    assert remove_leftovers(tmp_path) == 1
    assert not list(tmp_path.glob('.*.tmp'))
    assert cached_ids(tmp_path / 'missing') == set()


def test_save_is_atomic(tmp_path, monkeypatch):
    save_embedding(tmp_path, 'a', np.ones((2, 3)))

    def broken_save(f, *args, **kwargs):
        f.write(b'\x93NUMPY half')
        raise OSError('disk full')

    monkeypatch.setattr(np, 'save', broken_save)
    with pytest.raises(OSError, match='disk full'):
        save_embedding(tmp_path, 'a', np.zeros((2, 3)))
    monkeypatch.undo()
    # The old file is intact and no temporary file is left.
    np.testing.assert_array_equal(np.load(tmp_path / 'a.npy'),
                                  np.ones((2, 3)))
    assert [p.name for p in tmp_path.iterdir()] == ['a.npy']


@pytest.mark.parametrize('bad', [np.zeros(3), np.zeros((0, 4)),
                                 np.full((2, 2), np.nan)])
def test_save_rejects_bad_arrays(tmp_path, bad):
    with pytest.raises(ValueError):
        save_embedding(tmp_path, 'x', bad)


@pytest.mark.parametrize('sample_id', ['', '.hidden', 'a/b', '../up'])
def test_bad_ids(tmp_path, sample_id):
    with pytest.raises(ValueError, match='invalid sample id'):
        embedding_path(tmp_path, sample_id)


# -------------------------------------------------------------------- tool


def _npy_count(folder: Path) -> int:
    return sum(1 for p in folder.glob('*.npy') if not p.name.startswith('.'))


def test_encode_tool_kill_and_resume(tmp_path, encoder):
    """SIGKILL encode.py mid-run, rerun it: one complete .npy per report.

    Encoding 200 reports in batches of 8 takes several seconds after an
    ~10 s start-up, while the kill lands within ~20 ms of the first batch
    being saved, so it hits mid-run (measured: after 8 of 200 files, 11-18 s
    in, on 2 busy cores). If the run finishes first, the rerun must still be
    a no-op.
    """
    count, failures = 200, ('bad_0001', 'bad_0002')
    descriptions = write_descriptions(tmp_path / 'descriptions.jsonl', count,
                                      failures)
    out = tmp_path / 'embeddings'
    command = [sys.executable, str(TOOL), str(descriptions), '--out-dir',
               str(out), '--batch-size', '8']
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with open(tmp_path / 'first.log', 'w') as log:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if out.is_dir() and _npy_count(out) >= 5:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        proc.wait(timeout=60)
    killed = proc.returncode == -signal.SIGKILL
    if not killed:
        assert proc.returncode == 0, (tmp_path / 'first.log').read_text()
    done_before = cached_ids(out)
    if killed:
        assert 5 <= len(done_before) <= count
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob('*.npy')}

    second = run_tool(*command[1:])
    assert f'{len(done_before)} already encoded, ' \
        f'{count - len(done_before)} to encode' in second.stdout
    assert 'failed bad_0001: invalid JSON' in second.stdout
    assert 'encoding' in second.stderr or not (count - len(done_before))

    # Exactly one complete embedding per successful report.
    ids = {f'img_{i:04d}' for i in range(count)}
    assert {p.name for p in out.iterdir() if p.is_file()} == \
        {f'{i}.npy' for i in ids}
    # ... and of each mirrored report (flip-consistent text).
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        'flip_diagonal', 'flip_horizontal', 'flip_vertical']
    for folder in out.glob('flip_*'):
        assert {p.name for p in folder.iterdir()} == \
            {f'{i}.npy' for i in ids}
    for sample_id in ids:
        array = np.load(out / f'{sample_id}.npy')
        assert array.dtype == np.float32
        assert array.ndim == 2 and array.shape[0] >= 3
        assert array.shape[1] == DIM
    # Cached files were not rewritten.
    for sample_id in done_before:
        name = f'{sample_id}.npy'
        assert (out / name).stat().st_mtime_ns == mtimes[name]
    # Both processes computed what the library computes.
    reports = {i: r.report for i, r in read_records(descriptions).items()
               if r.ok}
    for sample_id in sorted(ids)[::40] + sorted(done_before)[:2]:
        np.testing.assert_allclose(
            np.load(out / f'{sample_id}.npy'),
            encoder.encode([reports[sample_id]])[0], atol=1e-5)
    match = re.search(r'shapes: L in \[(\d+), (\d+)\]', second.stdout)
    assert match and int(match.group(1)) < int(match.group(2))

    # A third run has nothing to do and loads no model (in-process: quick).
    tool = load_tool('tools/text/encode.py')
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob('*.npy')}
    tool.TextEncoder = None  # would fail if it tried to load a model
    tool.main([str(descriptions), '--out-dir', str(out)])
    assert {p.name: p.stat().st_mtime_ns
            for p in out.glob('*.npy')} == mtimes


def test_encode_tool_names_the_line_of_an_invalid_record(tmp_path):
    descriptions = write_descriptions(tmp_path / 'descriptions.jsonl', 2, ())
    with open(descriptions, 'ab') as f:
        f.write(b'{"id": "x", not json}\n')
    out = tmp_path / 'embeddings'
    proc = run_tool(str(TOOL), str(descriptions), '--out-dir', str(out),
                    check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    line = proc.stderr.strip()
    assert line.startswith(f'error: {descriptions}:3: not JSON (')
    assert line.count('\n') == 0 and 'Traceback' not in proc.stderr
    assert not out.exists()  # nothing encoded from a damaged file
