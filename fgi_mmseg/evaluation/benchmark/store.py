"""The benchmark's results: CSV files, rewritten atomically on every change.

.. code-block:: none

    <dataset>.csv            one row per finished (method, seed, protocol)
                             run: test metrics, validation Dice, minutes
    <dataset>_per_image.csv  every test image of every run (paired
                             comparisons on the same images)
    <dataset>_val.csv        validation-only studies: no test metrics

A run that is in a CSV is done, so a benchmark resumes by reading them;
a file that does not exist yet holds no rows.
"""
import csv
import io
import os.path as osp
from typing import List, Optional, Sequence

from fgi_mmseg.utils.io import write_bytes_atomic

# Rows without a protocol column were written under this protocol.
DEFAULT_PROTOCOL = 'cpu_fast'
# The code (``commit``) and the machine (``machine``) of each run: the same
# seed gives other numbers on another CPU. ``cpu_steal`` and ``cpu_others``:
# percent of the machine's CPU time during training taken by the hypervisor
# and by other processes (fgi_mmseg.utils.cpu_load), for reading the
# minutes. Older rows leave these empty.
COLUMNS = ('method', 'seed', 'dice', 'iou', 'hd95', 'asd', 'val_dice',
           'train_minutes', 'protocol', 'commit', 'machine', 'cpu_steal',
           'cpu_others')
# Validation-only studies (--val-only): no test metrics.
VAL_COLUMNS = ('method', 'seed', 'protocol', 'val_dice', 'teacher_val_dice',
               'train_minutes', 'commit', 'machine', 'cpu_steal',
               'cpu_others')
PER_IMAGE_COLUMNS = ('method', 'seed', 'protocol', 'id', 'dice')
# (CSV column, key of the test metrics), in table order.
METRICS = (('dice', 'Dice'), ('iou', 'IoU'), ('hd95', 'HD95'),
           ('asd', 'ASD'))


def _read_csv(path: str, required: Sequence[str],
              expected: str) -> List[dict]:
    """Rows of a CSV that must have the ``required`` columns."""
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        missing = set(required) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f'{path}: missing columns {sorted(missing)}; '
                             f'expected {expected}')
        return list(reader)


def _read_results(path: str, columns: Sequence[str],
                  required: Sequence[str]) -> List[dict]:
    """Rows of one of the files above (an absent file has none); older
    files may lack the columns after ``required``."""
    if not osp.exists(path):
        return []
    return _read_csv(path, required, ','.join(columns))


def _write_csv(path: str, columns: Sequence[str],
              rows: Sequence[dict]) -> None:
    """Write ``rows`` (absent columns left empty) atomically."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator='\n')
    writer.writeheader()
    for r in rows:
        writer.writerow({k: r.get(k, '') for k in columns})
    write_bytes_atomic(path, buf.getvalue().encode())


def cell_number(value: Optional[str]) -> Optional[float]:
    """A CSV cell as a number; None if empty, not a number or NaN (a
    distance that is undefined for a run)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def read_rows(path: str) -> List[dict]:
    """Rows of a results CSV (an absent file has none)."""
    return _read_results(path, COLUMNS, COLUMNS[:6])


def append_row(path: str, row: dict) -> None:
    """Add one row, rewriting the whole CSV atomically."""
    _write_csv(path, COLUMNS, read_rows(path) + [row])


def read_case_dice(path: str) -> List[tuple]:
    """``(id, dice)`` of a ``per_image.csv`` written by the test metric."""
    rows = _read_csv(path, ('id', 'dice'),
                     'the per-image CSV of MedicalSegMetric')
    return [(r['id'], float(r['dice'])) for r in rows]


def read_per_image(path: str) -> List[dict]:
    """Rows of a per-image results CSV (an absent file has none)."""
    return _read_results(path, PER_IMAGE_COLUMNS, PER_IMAGE_COLUMNS)


def put_per_image(path: str, method: str, seed: int, protocol: str,
                  cases: Sequence[tuple]) -> None:
    """Store one run's ``(id, dice)`` cases, replacing any earlier ones
    of the same run, and rewrite the CSV atomically."""
    run = (method, str(seed), protocol)
    rows = [r for r in read_per_image(path)
            if (r['method'], r['seed'], r['protocol']) != run]
    rows += [dict(method=method, seed=seed, protocol=protocol, id=case_id,
                  dice=dice) for case_id, dice in cases]
    _write_csv(path, PER_IMAGE_COLUMNS, rows)


def read_val_rows(path: str) -> List[dict]:
    """Rows of a validation-only CSV (an absent file has none)."""
    return _read_results(path, VAL_COLUMNS, VAL_COLUMNS[:4])


def append_val_row(path: str, row: dict) -> None:
    """Add one row to a validation-only CSV, rewriting it atomically."""
    _write_csv(path, VAL_COLUMNS, read_val_rows(path) + [row])
