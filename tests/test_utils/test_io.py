import os

import pytest

from fgi_mmseg.utils.io import atomic_write, write_bytes_atomic


def test_atomic_write_gives_plain_file_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / 'a.bin', lambda f: f.write(b'x'))
    finally:
        os.umask(old)
    assert (tmp_path / 'a.bin').stat().st_mode & 0o777 == 0o644


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_text('old')

    def fail(f):
        f.write(b'half')
        raise RuntimeError('interrupted')

    with pytest.raises(RuntimeError):
        atomic_write(path, fail)
    assert path.read_text() == 'old'
    assert [p.name for p in tmp_path.iterdir()] == ['a.txt']


def test_write_bytes_atomic_creates_the_folder(tmp_path):
    path = tmp_path / 'new' / 'folder' / 'a.bin'
    write_bytes_atomic(path, b'content')
    assert path.read_bytes() == b'content'
    assert [p.name for p in path.parent.iterdir()] == ['a.bin']
