"""Statistics of benchmark rows: metric values per method, and paired
per-image differences with their intervals."""
import statistics
from typing import Dict, List, Sequence

from .methods import method_rank
from .store import DEFAULT_PROTOCOL, METRICS, cell_number


def summarise(rows: Sequence[dict]) -> Dict[tuple, Dict[str, List[float]]]:
    """Metric values per (protocol, method).

    Args:
        rows (Sequence[dict]): Rows of a results CSV.

    Returns:
        dict: ``{(protocol, method): {column: values}}`` for the seed,
        the validation Dice and every test metric; empty and undefined
        (NaN) cells are left out.
    """
    groups: Dict[tuple, Dict[str, List[float]]] = {}
    for row in rows:
        key = (row.get('protocol') or DEFAULT_PROTOCOL, row['method'])
        group = groups.setdefault(key, {k: [] for k in
                                        ('seed', 'val_dice') +
                                        tuple(m for m, _ in METRICS)})
        for name in group:
            value = cell_number(row.get(name))
            if value is not None:
                group[name].append(value)
    return groups


def paired_differences(rows: Sequence[dict], reference: str = 'fgi',
                       protocol: str = DEFAULT_PROTOCOL) -> List[dict]:
    """Per-image Dice of ``reference`` minus each other method.

    Methods are compared on the seeds both have. For each test image the
    difference is averaged over those seeds; the mean of these over the
    images, its standard error across images and a normal 95% interval
    are returned. Pairing on the same images removes the image-to-image
    spread (per-image Dice std about 25) that dominates the error of an
    unpaired mean over 100 images.

    Args:
        rows (Sequence[dict]): Rows of a per-image results CSV.
        reference (str): The method the others are subtracted from.
        protocol (str): Only rows of this protocol are compared.

    Returns:
        list[dict]: Per other method, in table order: ``method``,
        ``seeds``, ``images``, ``mean``, ``se``, ``low``, ``high`` and the
        number of images where the reference is ``higher`` / ``lower``.

    Raises:
        ValueError: Two runs of one seed were tested on different images.
    """
    dice: Dict[tuple, Dict[str, float]] = {}
    for r in rows:
        if r['protocol'] == protocol:
            dice.setdefault((r['method'], int(r['seed'])),
                            {})[r['id']] = float(r['dice'])
    methods = sorted({m for m, _ in dice if m != reference},
                     key=lambda m: (method_rank(m), m))
    result = []
    for method in methods:
        seeds = sorted(s for m, s in dice if m == reference
                       and (method, s) in dice)
        if not seeds:
            continue
        per_case: Dict[str, List[float]] = {}
        for seed in seeds:
            ref, other = dice[(reference, seed)], dice[(method, seed)]
            if set(ref) != set(other):
                raise ValueError(
                    f'{reference} and {method} (seed {seed}, {protocol}) '
                    'were tested on different images: '
                    f'{sorted(set(ref) ^ set(other))[:5]}')
            for case_id, value in ref.items():
                per_case.setdefault(case_id, []).append(value -
                                                        other[case_id])
        diffs = [statistics.fmean(v) for v in per_case.values()]
        mean = statistics.fmean(diffs)
        se = statistics.stdev(diffs) / len(diffs)**0.5 \
            if len(diffs) > 1 else float('nan')
        result.append(dict(
            method=method, seeds=seeds, images=len(diffs), mean=mean, se=se,
            low=mean - 1.96 * se, high=mean + 1.96 * se,
            higher=sum(d > 0 for d in diffs), lower=sum(d < 0 for d in diffs)))
    return result
