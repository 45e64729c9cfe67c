"""The files a test leaves in its folder, written one way for
``tools/test.py`` and the two-stage runner's test of its student.

.. code-block:: none

    <folder>/test_metrics.json  {"config": ..., "checkpoint": ...,
                                 "metrics": {...}}    record_test ("config"
                                                      from tools/test.py)
    <folder>/per_image.csv      id,dice,iou,hd95,asd  MedicalSegMetric, when
                                                      the test evaluator has
                                                      an output_file
                                                      (keep_per_image)

The benchmark reads them by the same names (:func:`metrics_file`,
:func:`per_image_file`).
"""
import os.path as osp
from typing import Dict, Optional

from fgi_mmseg.utils.io import write_json_atomic
from .report import format_metrics

TEST_METRICS_FILE = 'test_metrics.json'
PER_IMAGE_FILE = 'per_image.csv'


def metrics_file(folder: str) -> str:
    """The ``test_metrics.json`` of a test that works in ``folder``."""
    return osp.join(folder, TEST_METRICS_FILE)


def per_image_file(folder: str) -> str:
    """The ``per_image.csv`` of a test that works in ``folder``."""
    return osp.join(folder, PER_IMAGE_FILE)


def keep_per_image(cfg, folder: str) -> None:
    """Have the test evaluator of ``cfg`` (a ``MedicalSegMetric``) write
    one row per image to :func:`per_image_file` of ``folder``."""
    cfg.test_evaluator['output_file'] = per_image_file(folder)


def record_test(runner, path: str, checkpoint: str, title: str,
                config: Optional[str] = None) -> Dict[str, float]:
    """Test with ``runner``; on rank 0, record the metrics and print them.

    Args:
        runner: An mmengine ``Runner`` with the weights loaded.
        path (str): The ``test_metrics.json`` to write (atomically).
        checkpoint (str): The tested checkpoint, recorded with the metrics.
        title (str): Title of the printed table.
        config (str, optional): The tested config, recorded first if given.

    Returns:
        dict: The test metrics.
    """
    metrics = runner.test()
    if runner.rank == 0:
        record = {} if config is None else dict(config=config)
        record.update(checkpoint=checkpoint, metrics=metrics)
        write_json_atomic(path, record)
        print(format_metrics(metrics, title=title))
    return metrics
