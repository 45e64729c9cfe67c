"""Print test metrics of several runs side by side.

Example (what ``make demo`` prints at the end)::

    python tools/misc/compare_metrics.py \\
        "FGI student=work_dirs/demo/fgi/student/test_metrics.json" \\
        "UNet (gaze)=work_dirs/demo/unet_gaze/test_metrics.json"
"""
import argparse
import json

from prettytable import PrettyTable

from fgi_mmseg.evaluation.report import COLUMNS
from fgi_mmseg.utils.cli import run_tool


def load_metrics(path: str) -> dict:
    """Metrics of a ``test_metrics.json`` written by the tools."""
    with open(path) as f:
        data = json.load(f)
    return {k.split('/')[-1]: v for k, v in data['metrics'].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', help='NAME=path/test_metrics.json')
    args = parser.parse_args()
    table = PrettyTable(['method'] + [name for name, _ in COLUMNS.values()])
    for run in args.runs:
        name, _, path = run.partition('=')
        if not path:
            parser.error(f'expected NAME=PATH, got "{run}"')
        metrics = load_metrics(path)
        row = [name]
        for key, (_, fmt) in COLUMNS.items():
            row.append(fmt.format(metrics[key]) + ' ± ' +
                       fmt.format(metrics[f'{key}_std']))
        table.add_row(row)
    print(table)


if __name__ == '__main__':
    run_tool(main)
