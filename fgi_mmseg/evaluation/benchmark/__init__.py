"""The benchmark's results store, statistics and reports.

``tools/analysis/benchmark.py`` trains and tests the runs; this package
keeps what they give:

.. code-block:: none

    store    CSV files of runs, per-image Dice and validation studies
    methods  the paper's order of the methods and their labels
    stats    values per (protocol, method); paired per-image differences
    render   Markdown tables and the Dice plot
"""
from .methods import LABELS, ORDER, PAIRED_REFERENCES, label, method_rank
from .render import (markdown_table, mean_std, paired_table, plot_dice,
                     val_table)
from .stats import paired_differences, summarise
from .store import (COLUMNS, DEFAULT_PROTOCOL, METRICS, PER_IMAGE_COLUMNS,
                    VAL_COLUMNS, append_row, append_val_row, cell_number,
                    put_per_image, read_case_dice, read_per_image, read_rows,
                    read_val_rows)

__all__ = [
    'LABELS', 'ORDER', 'PAIRED_REFERENCES', 'label', 'method_rank', 'markdown_table', 'mean_std',
    'paired_table', 'plot_dice', 'val_table', 'paired_differences',
    'summarise', 'COLUMNS', 'DEFAULT_PROTOCOL', 'METRICS',
    'PER_IMAGE_COLUMNS', 'VAL_COLUMNS', 'append_row', 'append_val_row',
    'cell_number', 'put_per_image', 'read_case_dice', 'read_per_image',
    'read_rows', 'read_val_rows'
]
