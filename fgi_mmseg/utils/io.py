"""Atomic file writes: readers never see a half-written file."""
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Callable, Union


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], None],
                 ) -> None:
    """Write a file through a temporary file in the same directory.

    ``os.replace`` within one directory is atomic, so readers (e.g. a data
    loader running while heatmaps are regenerated) never see a half-written
    file, and an interrupted run leaves the old file intact.

    Args:
        path: Destination file; its directory must exist.
        write: Called with a binary file object to write the content.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            # On disk before the rename: a crash right after it must not
            # leave an empty file under the final name.
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates 0600 files; give the result the permissions a
        # plain open() would (0666 minus the umask).
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        # Never leave stray temporary files behind on failure.
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_bytes_atomic(path: Union[str, os.PathLike], data: bytes) -> None:
    """Write ``data`` with :func:`atomic_write`, creating the folder.

    Args:
        path: Destination file.
        data: The whole content.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: f.write(data))


def write_json_atomic(path: Union[str, os.PathLike], data: dict) -> None:
    """Write ``data`` as JSON with :func:`atomic_write`, creating the folder.

    Args:
        path: Destination file.
        data: JSON-serialisable content.
    """
    write_bytes_atomic(path, json.dumps(data, indent=2).encode())
