"""``descriptions.jsonl``: one JSON record per line, appended crash-safely.

Each line is either a success or a recorded failure::

    {"id": "<sample id>", "describer": "gaze", "report": {...}}
    {"id": "<sample id>", "describer": "openai", "error": "<reason>"}

Failures stay in the file, so no failure is ever silently replaced; a later
run may append a new record for the same id (``--retry-failed``), and **the
latest record for an id wins** when the file is read.

Crash safety: :class:`JsonlAppender` writes each record as one ``os.write``
of a complete, newline-terminated line and then ``fsync``s, so a killed
process leaves at most one torn (unterminated) last line. Readers ignore such
a line and the next appender truncates it before writing, so an interrupted
run resumes without duplicates or corrupt lines. A record only counts once
its newline is on disk.

A dataset keeps its file next to its data (:func:`find_descriptions`);
:func:`description_text` is a record as one line of text.
"""
import json
import os
import os.path as osp
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

from fgi_mmseg.utils.errors import UserFacingError
from .schema import ReportValidationError, render_phrases, validate_report

try:  # POSIX advisory locks keep two writers off one file.
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl
    fcntl = None

PathLike = Union[str, os.PathLike]
DESCRIPTIONS_FILE = 'descriptions.jsonl'
NO_DESCRIPTION = '(no description)'


class RecordFormatError(UserFacingError, ValueError):
    """A line of a descriptions file is not a valid record."""


@dataclass(frozen=True)
class DescriptionRecord:
    """One line of ``descriptions.jsonl``.

    Args:
        id: Sample id (image name without suffix).
        describer: Name of the describer that produced the line.
        report: The validated report, for a success.
        error: Why describing failed, for a recorded failure.
    """

    id: str
    describer: str
    report: Optional[Dict[str, Any]] = None
    error: Optional[str] = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise RecordFormatError(f'record id must be a non-empty string, '
                                    f'got {self.id!r}')
        if not isinstance(self.describer, str) or not self.describer:
            raise RecordFormatError(
                f'{self.id}: describer must be a non-empty string, got '
                f'{self.describer!r}')
        if (self.report is None) == (self.error is None):
            raise RecordFormatError(
                f'{self.id}: a record has exactly one of "report" and '
                '"error"')
        if self.error is not None and not isinstance(self.error, str):
            raise RecordFormatError(f'{self.id}: error must be a string')

    @property
    def ok(self) -> bool:
        """Whether this is a success (it has a report)."""
        return self.report is not None

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object written for this record."""
        out: Dict[str, Any] = {'id': self.id, 'describer': self.describer}
        if self.ok:
            out['report'] = self.report
        else:
            out['error'] = self.error
        return out

    def to_line(self) -> bytes:
        """One complete UTF-8 line, newline included."""
        # ensure_ascii keeps each line pure ASCII: no encoding surprises
        # when the file is read elsewhere.
        return (json.dumps(self.to_dict(), ensure_ascii=True) +
                '\n').encode('ascii')

    @classmethod
    def from_dict(cls, obj: Any) -> 'DescriptionRecord':
        """Parse and check a decoded line; the report is re-validated.

        Raises:
            RecordFormatError: If the object is not a valid record.
        """
        if not isinstance(obj, dict):
            raise RecordFormatError(f'expected a JSON object, got '
                                    f'{type(obj).__name__}')
        extra = set(obj) - {'id', 'describer', 'report', 'error'}
        if extra:
            raise RecordFormatError(f'unknown record keys {sorted(extra)}')
        report = obj.get('report')
        if report is not None:
            try:
                report = validate_report(report)
            except ReportValidationError as err:
                raise RecordFormatError(
                    f'{obj.get("id")!r}: invalid report: {err}') from None
        return cls(id=obj.get('id'), describer=obj.get('describer'),
                   report=report, error=obj.get('error'))


def _parse_line(line: bytes) -> DescriptionRecord:
    """Decode one line (without its newline) into a record."""
    try:
        obj = json.loads(line.decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordFormatError(f'not JSON ({err})') from None
    return DescriptionRecord.from_dict(obj)


def read_records(path: PathLike) -> Dict[str, DescriptionRecord]:
    """Read a descriptions file; the latest record for an id wins.

    An unterminated last line is the trace of an interrupted append and is
    ignored (the next :class:`JsonlAppender` removes it). Any other bad
    line means the file was damaged some other way and is an error.

    Args:
        path: The ``.jsonl`` file; a missing file reads as empty.

    Returns:
        Sample id -> its latest record, in order of first appearance.

    Raises:
        RecordFormatError: Naming the file and line of a bad line.
    """
    path = Path(path)
    if not path.exists():
        return {}
    data = path.read_bytes()
    lines = data.split(b'\n')
    # After the last newline comes either b'' or a torn, unterminated line.
    complete = lines[:-1]
    records: Dict[str, DescriptionRecord] = {}
    for number, line in enumerate(complete, start=1):
        if not line.strip():
            continue
        try:
            record = _parse_line(line)
        except RecordFormatError as err:
            raise RecordFormatError(f'{path}:{number}: {err}') from None
        records.pop(record.id, None)  # re-insert: order of latest record
        records[record.id] = record
    return records


def find_descriptions(data_root: Optional[str],
                      data_prefix: Mapping[str, str]) -> Optional[str]:
    """Where a dataset keeps its ``descriptions.jsonl``, if anywhere.

    Looks in the folder above the ``text_embed_path`` prefix, the folder
    above the ``heatmap_path`` prefix, then ``data_root``
    (``data/kvasir-gaze/heatmaps`` -> ``data/kvasir-gaze``;
    ``data/demo/embeddings`` -> ``data/demo``).

    Args:
        data_root: The dataset's ``data_root``.
        data_prefix: The dataset's ``data_prefix`` (joined with the root).

    Returns:
        The file, or None when there is none.
    """
    folders = [
        osp.dirname(osp.normpath(data_prefix[key]))
        for key in ('text_embed_path', 'heatmap_path')
        if data_prefix.get(key)
    ]
    if data_root:
        folders.append(data_root)
    for folder in folders:
        path = osp.join(folder, DESCRIPTIONS_FILE)
        if osp.isfile(path):
            return path
    return None


def description_text(record: Optional[DescriptionRecord]) -> str:
    """One line of text for a record (or None: the case has none)."""
    if record is None:
        return NO_DESCRIPTION
    if not record.ok:
        return f'(no description: describing failed: {record.error})'
    return '; '.join(render_phrases(record.report))


def unterminated_tail(path: PathLike) -> int:
    """Bytes after the last newline of a file: a torn last line that
    :func:`read_records` ignores (0 for a complete or missing file)."""
    path = Path(path)
    if not path.is_file():
        return 0
    data = path.read_bytes()
    return len(data) - (data.rfind(b'\n') + 1)


def _repair_tail(fd: int, path: Path) -> int:
    """Truncate a torn last line; returns the number of bytes removed.

    Only a last line without its newline is torn (a record is written with
    its newline in one call, so an interrupted append leaves exactly
    that). A complete line that does not parse is not a trace of an
    interruption: it is kept, and reading reports it with its line number.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return 0
    data = os.pread(fd, size, 0)
    keep = data.rfind(b'\n') + 1  # 0 when there is no newline at all
    if keep < size:
        os.ftruncate(fd, keep)
        os.fsync(fd)
    return size - keep


class JsonlAppender:
    """Append records to a ``.jsonl`` file so that a kill cannot corrupt it.

    Opening repairs a torn last line and takes an exclusive advisory lock
    (a second writer fails fast instead of interleaving). Every
    :meth:`append` is one ``os.write`` of a whole line on an ``O_APPEND``
    descriptor followed by ``fsync``, so each record is either fully on disk
    or leaves only an unterminated fragment. Thread-safe.

    Args:
        path: The file; it and its folder are created when missing.

    Attributes:
        repaired_bytes: Bytes of a torn last line removed on open.

    Raises:
        RuntimeError: If another process holds the file open for writing.
    """

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        self._lock = threading.Lock()
        self._fd = -1  # so that __del__ is safe if open fails
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        self._fd = fd
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise RuntimeError(
                        f'{self.path} is being written by another process'
                    ) from None
            self.repaired_bytes = _repair_tail(self._fd, self.path)
            if created:
                # Make the new directory entry itself durable.
                _fsync_dir(self.path.parent)
        except BaseException:
            self._fd = -1
            os.close(fd)
            raise

    def append(self, record: DescriptionRecord) -> None:
        """Write one record durably as a single complete line."""
        line = record.to_line()
        with self._lock:
            if self._fd < 0:
                raise ValueError(f'{self.path}: appender is closed')
            written = os.write(self._fd, line)
            if written != len(line):
                # Only on a full disk or similar; the short line is torn
                # and will be repaired on the next open.
                raise OSError(f'{self.path}: short write ({written} of '
                              f'{len(line)} bytes)')
            os.fsync(self._fd)

    def close(self) -> None:
        """Release the lock and close the file (idempotent)."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)  # also releases the flock
                self._fd = -1

    def __enter__(self) -> 'JsonlAppender':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _fsync_dir(path: Path) -> None:
    """fsync a directory where the platform allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
