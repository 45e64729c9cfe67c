"""Read and write fixation tables in the GazeMedSeg CSV format.

One row per fixation, with the columns::

    IMAGE, CURRENT_FIX_INDEX, CURRENT_FIX_X, CURRENT_FIX_Y,
    CURRENT_FIX_DURATION, CURRENT_FIX_PUPIL, CURRENT_FIX_START,
    IMAGE_HEIGHT, IMAGE_WIDTH

``IMAGE`` is a file name such as ``<id>.jpg``; X/Y are normalised to [0, 1]
(left/top = 0); durations and start times are in ms; heights and widths are
written as floats such as ``529.0``. Only IMAGE, X, Y, DURATION, HEIGHT and
WIDTH are needed to build heatmaps, so only those columns are required.

Bad rows are never silently kept and never abort the whole file: they are
dropped and listed in :class:`FixationReport` with their row numbers, so a
user can find them in an editor. Row numbers are the 1-based line numbers of
the file: the header is row 1 and the first fixation is row 2.
"""
import csv
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from fgi_mmseg.utils.errors import UserFacingError
from fgi_mmseg.utils.io import atomic_write

# Columns read by `read_fixations`; pupil, index and start are not needed to
# build heatmaps, so their absence is not an error.
REQUIRED_COLUMNS = ('IMAGE', 'CURRENT_FIX_X', 'CURRENT_FIX_Y',
                    'CURRENT_FIX_DURATION', 'IMAGE_HEIGHT', 'IMAGE_WIDTH')
# Column order written by `write_fixations` (the GazeMedSeg release order).
COLUMNS = ('IMAGE', 'CURRENT_FIX_INDEX', 'CURRENT_FIX_X', 'CURRENT_FIX_Y',
           'CURRENT_FIX_DURATION', 'CURRENT_FIX_PUPIL', 'CURRENT_FIX_START',
           'IMAGE_HEIGHT', 'IMAGE_WIDTH')


@dataclass
class ImageFixations:
    """All fixations recorded on one image.

    Args:
        image_id: Image name without extension (``IMAGE`` minus ``.jpg``).
        x: Normalised column coordinates in [0, 1], shape (N,).
        y: Normalised row coordinates in [0, 1], shape (N,).
        duration: Fixation durations in ms, shape (N,).
        height: Image height in pixels.
        width: Image width in pixels.
    """

    image_id: str
    x: np.ndarray
    y: np.ndarray
    duration: np.ndarray
    height: int
    width: int

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x, dtype=np.float64).reshape(-1)
        self.y = np.asarray(self.y, dtype=np.float64).reshape(-1)
        self.duration = np.asarray(self.duration, dtype=np.float64).reshape(-1)
        if not len(self.x) == len(self.y) == len(self.duration):
            raise ValueError(
                f'{self.image_id}: x, y and duration lengths differ '
                f'({len(self.x)}, {len(self.y)}, {len(self.duration)})')
        if self.height <= 0 or self.width <= 0:
            raise ValueError(f'{self.image_id}: image size must be positive, '
                             f'got {self.height} x {self.width}')

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class FixationReport:
    """Rows dropped by :func:`read_fixations`, by reason.

    Attributes:
        path: The CSV file the report is about.
        bad_rows: Reason -> 1-based line numbers of the dropped rows. Reasons:
            ``unparsable`` (a value is missing, not a number or not finite),
            ``out_of_range`` (X or Y outside [0, 1]),
            ``non_positive_duration`` (duration <= 0) and
            ``size_mismatch`` (image size differs from the image's first row).
    """

    path: str
    # Rows identical to an earlier row (kept: a glitch of an export, or
    # genuine repeated fixations; the count makes a fully doubled file
    # visible).
    duplicate_rows: list[int] = field(default_factory=list)
    bad_rows: dict[str, list[int]] = field(default_factory=lambda: {
        'unparsable': [],
        'out_of_range': [],
        'non_positive_duration': [],
        'size_mismatch': [],
    })

    @property
    def counts(self) -> dict[str, int]:
        """Number of dropped rows per reason."""
        return {reason: len(rows) for reason, rows in self.bad_rows.items()}

    @property
    def num_bad(self) -> int:
        """Total number of dropped rows."""
        return sum(self.counts.values())

    def __str__(self) -> str:
        repeats = ''
        if self.duplicate_rows:
            shown = ', '.join(map(str, self.duplicate_rows[:10]))
            more = ', ...' if len(self.duplicate_rows) > 10 else ''
            repeats = (f'; {len(self.duplicate_rows)} rows repeat an earlier '
                       f'row exactly (kept; rows {shown}{more})')
        if not self.num_bad:
            return f'{self.path}: no bad rows' + repeats
        parts = []
        for reason, rows in self.bad_rows.items():
            if rows:
                # A few row numbers are enough to locate a pattern.
                shown = ', '.join(map(str, rows[:10]))
                more = ', ...' if len(rows) > 10 else ''
                parts.append(f'{reason}: {len(rows)} (rows {shown}{more})')
        return f'{self.path}: {self.num_bad} bad rows dropped; ' + '; '.join(
            parts) + repeats


@dataclass
class FixationTable(Mapping):
    """Image id -> :class:`ImageFixations`, plus the report of bad rows.

    Behaves as a read-only mapping, so ``table[image_id]``,
    ``len(table)`` and ``for image_id in table`` work directly.

    Attributes:
        images: Image id -> fixations, in order of first appearance.
        report: Rows that were dropped while reading.
    """

    images: dict[str, ImageFixations]
    report: FixationReport

    def __getitem__(self, image_id: str) -> ImageFixations:
        return self.images[image_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.images)

    def __len__(self) -> int:
        return len(self.images)


class FixationFormatError(UserFacingError, ValueError):
    """A fixation CSV whose header cannot be read unambiguously."""


def _parse_row(row: dict[str, str]) -> tuple[float, float, float, int, int]:
    """Parse the numeric fields of one row; raises ValueError if unparsable."""
    values = [
        float(row[name]) for name in ('CURRENT_FIX_X', 'CURRENT_FIX_Y',
                                      'CURRENT_FIX_DURATION', 'IMAGE_HEIGHT',
                                      'IMAGE_WIDTH')
    ]
    if not all(np.isfinite(values)):
        raise ValueError('non-finite value')
    x, y, duration, height, width = values
    # Sizes are written as '529.0': accept integral floats only.
    if not (height.is_integer() and width.is_integer()) or min(height,
                                                               width) <= 0:
        raise ValueError('image size is not a positive integer')
    return x, y, duration, int(height), int(width)


def read_fixations(path: str | os.PathLike) -> FixationTable:
    """Read a GazeMedSeg fixation CSV.

    Fixations keep their file order within each image. Rows that cannot be
    used are dropped and reported (see :class:`FixationReport`); an image
    whose rows are all bad does not appear in the table.

    Args:
        path: The CSV file.

    Returns:
        The fixations per image id and the report of dropped rows.

    Raises:
        ValueError: If a required column is missing (the message names the
            file and the column).
    """
    path = str(path)
    report = FixationReport(path)
    columns: dict[str, dict[str, list]] = {}
    sizes: dict[str, tuple[int, int]] = {}
    with open(path, newline='', encoding='utf-8-sig') as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        repeated = sorted({n for n in header if header.count(n) > 1})
        if repeated:
            # csv.DictReader keeps the last of equal names silently.
            raise FixationFormatError(
                f'{path}: column names {repeated} appear more than once in '
                'the header; expected each column once')
        seen_rows: set = set()
        for name in REQUIRED_COLUMNS:
            if name not in header:
                raise FixationFormatError(
                    f'{path}: required column {name!r} is missing '
                    f'(found columns: {", ".join(header) or "none"})')
        for row in reader:
            # line_num is the physical line the row ended on, which is what an
            # editor shows (the header is line 1).
            line = reader.line_num
            key = tuple(row.get(name) for name in header)
            if key in seen_rows:
                report.duplicate_rows.append(line)
            seen_rows.add(key)
            image = (row.get('IMAGE') or '').strip()
            try:
                if not image:
                    raise ValueError('empty IMAGE')
                x, y, duration, height, width = _parse_row(row)
            except (TypeError, ValueError):
                # TypeError: a short row gives None for its missing fields.
                report.bad_rows['unparsable'].append(line)
                continue
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                report.bad_rows['out_of_range'].append(line)
                continue
            if duration <= 0:
                report.bad_rows['non_positive_duration'].append(line)
                continue
            image_id = os.path.splitext(image)[0]
            if sizes.setdefault(image_id, (height, width)) != (height, width):
                report.bad_rows['size_mismatch'].append(line)
                continue
            cols = columns.setdefault(image_id, {'x': [], 'y': [], 'd': []})
            cols['x'].append(x)
            cols['y'].append(y)
            cols['d'].append(duration)
    images = {
        image_id: ImageFixations(image_id, np.array(c['x']), np.array(c['y']),
                                 np.array(c['d']), *sizes[image_id])
        for image_id, c in columns.items()
    }
    return FixationTable(images, report)


def _format_number(value: float) -> str:
    """Integral values as integers (like the released CSVs), others exactly."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def write_fixations(path: str | os.PathLike,
                    fixations: Iterable[ImageFixations],
                    image_suffix: str = '.jpg') -> None:
    """Write fixations in the GazeMedSeg CSV format, atomically.

    ``CURRENT_FIX_PUPIL`` is written as 0 (it is unused);
    ``CURRENT_FIX_START`` is the cumulative duration of the image's earlier
    fixations (saccade times are unknown); heights and widths are written as
    floats such as ``529.0``, like the released files.

    Args:
        path: Destination CSV file.
        fixations: One entry per image.
        image_suffix: Extension appended to the image id in ``IMAGE``.
    """
    rows = [COLUMNS]
    for fix in fixations:
        starts = np.concatenate([[0.0], np.cumsum(fix.duration)[:-1]])
        for i in range(len(fix)):
            rows.append((f'{fix.image_id}{image_suffix}', str(i + 1),
                         repr(float(fix.x[i])), repr(float(fix.y[i])),
                         _format_number(fix.duration[i]), '0',
                         _format_number(starts[i]), repr(float(fix.height)),
                         repr(float(fix.width))))

    text = io.StringIO()
    csv.writer(text, lineterminator='\n').writerows(rows)
    atomic_write(path, lambda f: f.write(text.getvalue().encode('utf-8')))
