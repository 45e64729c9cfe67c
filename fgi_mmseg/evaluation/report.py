"""Plain-text tables of evaluation results for the command-line tools."""
from typing import Dict

from prettytable import PrettyTable

# Reported metric -> (column title, format).
COLUMNS = {
    'Dice': ('Dice (%)', '{:.2f}'),
    'IoU': ('IoU (%)', '{:.2f}'),
    'HD95': ('HD95 (px)', '{:.2f}'),
    'ASD': ('ASD (px)', '{:.2f}'),
}


def format_metrics(metrics: Dict[str, float], title: str = '') -> str:
    """Render ``mean ± std`` per metric, as the paper's tables do.

    Keys are matched with or without an evaluator prefix
    (``test/Dice`` or ``Dice``); metrics without a ``_std`` twin are shown
    as plain values.

    Args:
        metrics (dict): Output of ``runner.test()`` or ``runner.val()``.
        title (str): Table title.

    Returns:
        str: The table.
    """
    plain = {key.split('/')[-1]: value for key, value in metrics.items()}
    table = PrettyTable(title=title or None)
    rows = []
    for key, (name, fmt) in COLUMNS.items():
        if key in plain:
            cell = fmt.format(plain[key])
            if f'{key}_std' in plain:
                cell += ' ± ' + fmt.format(plain[f'{key}_std'])
            rows.append((name, cell))
    for key in ('num_images', 'num_undefined_distance'):
        if key in plain:
            rows.append((key, str(int(plain[key]))))
    table.field_names = [name for name, _ in rows]
    table.add_row([cell for _, cell in rows])
    return table.get_string()
