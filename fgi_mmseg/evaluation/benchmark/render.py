"""The benchmark's Markdown tables (the layout of the paper's Tables 1-3)
and its Dice plot, drawn from the rows of its CSV files."""
import io
import statistics
from typing import Dict, List, Sequence

from fgi_mmseg.utils.io import write_bytes_atomic
from .methods import label, method_rank
from .stats import paired_differences, summarise
from .store import DEFAULT_PROTOCOL, METRICS, cell_number


def mean_std(values: Sequence[float]) -> str:
    """``mean ± std`` with two decimals (the mean alone for one value,
    ``-`` for none)."""
    if not values:
        return '-'
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f'{mean:.2f}'
    return f'{mean:.2f} ± {statistics.stdev(values):.2f}'


def markdown_table(rows: Sequence[dict], dataset: str) -> str:
    """Per-method mean +- std over seeds, the paper's table layout."""
    groups = summarise(rows)
    lines = [
        f'| method ({dataset}) | protocol | seeds | val Dice | Dice (%) '
        '| IoU (%) | HD95 (px) | ASD (px) |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for key in sorted(groups,
                      key=lambda k: (k[0], method_rank(k[1]), k[1])):
        protocol, method = key
        g = groups[key]
        cells = [mean_std(g[m]) for m, _ in METRICS]
        lines.append(f'| {label(method)} | {protocol} | '
                     f'{len(g["seed"])} | {mean_std(g["val_dice"])} | ' +
                     ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def paired_table(rows: Sequence[dict], dataset: str,
                 reference: str = 'fgi') -> str:
    """Markdown table of :func:`paired_differences` for every protocol
    (empty when no method shares a seed with ``reference``)."""
    lines = []
    for protocol in sorted({r['protocol'] for r in rows}):
        for d in paired_differences(rows, reference, protocol):
            if not lines:
                lines = [
                    f'| {label(reference)} minus '
                    f'({dataset}, per image) | protocol | seeds | images '
                    '| Δ Dice (mean ± SE) | 95% interval '
                    '| images higher / lower |',
                    '|---|---|---|---|---|---|---|'
                ]
            lines.append(
                f'| {label(d["method"])} | {protocol} | '
                f'{",".join(map(str, d["seeds"]))} | {d["images"]} | '
                f'{d["mean"]:+.2f} ± {d["se"]:.2f} | '
                f'[{d["low"]:+.2f}, {d["high"]:+.2f}] | '
                f'{d["higher"]} / {d["lower"]} |')
    return '\n'.join(lines) + '\n' if lines else ''


def val_table(rows: Sequence[dict], dataset: str) -> str:
    """Markdown table of a validation-only study, in the CSV's order."""
    lines = [
        f'| method ({dataset}, validation) | protocol | seeds | teacher val '
        'Dice | val Dice | minutes | commit |', '|---|---|---|---|---|---|---|'
    ]
    groups: Dict[tuple, List[dict]] = {}
    for row in rows:
        groups.setdefault((row['method'], row['protocol']), []).append(row)
    for (method, protocol), group in groups.items():

        def values(key):
            return [v for v in (cell_number(r.get(key)) for r in group)
                    if v is not None]

        commits = ','.join(sorted({r.get('commit') or '?' for r in group}))
        lines.append(
            f'| {method} | {protocol} | '
            f'{",".join(r["seed"] for r in group)} | '
            f'{mean_std(values("teacher_val_dice"))} | '
            f'{mean_std(values("val_dice"))} | '
            f'{mean_std(values("train_minutes"))} | {commits} |')
    return '\n'.join(lines) + '\n'


def plot_dice(rows: Sequence[dict], dataset: str, path: str) -> None:
    """Dice per method: one dot per seed and the mean as a bar; written
    atomically to ``path`` (PNG)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    groups = summarise(rows)
    keys = sorted(groups, key=lambda k: (k[0], method_rank(k[1])))
    fig, ax = plt.subplots(figsize=(1.4 * max(len(keys), 2) + 1, 3.2))
    for i, key in enumerate(keys):
        dice = groups[key]['dice']
        ax.bar(i, statistics.fmean(dice), color='#9ecae1', width=0.6)
        ax.scatter([i] * len(dice), dice, color='#08519c', s=12, zorder=3)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(
        [label(m).replace(' (', '\n(') +
         ('' if p == DEFAULT_PROTOCOL else f'\n[{p}]') for p, m in keys],
        fontsize=7)
    ax.set_ylabel('test Dice (%)')
    ax.set_title(f'{dataset}: test Dice (dots: seeds)', fontsize=9)
    low = min((min(g['dice']) for g in groups.values()), default=0)
    ax.set_ylim(max(0, low - 10), 100)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=120)
    plt.close(fig)
    write_bytes_atomic(path, buf.getvalue())
