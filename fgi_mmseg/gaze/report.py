"""Quality of gaze pseudo-masks against ground truth.

A heatmap ``H`` becomes a pseudo-mask by thresholding (``H >= t``); how well
that mask matches the ground truth at a few thresholds is the number the
GazeMedSeg authors report (Dice at 0.5: Kvasir 0.745, method §3) and the
quickest check that a heatmap build is sane.

Dice is computed per image and then averaged (mean and population std over
images), as the authors do, so that small lesions weigh as much as large
ones. Two empty masks agree perfectly (Dice 1).
"""
import os
from collections.abc import Iterable, Mapping, Sequence

import cv2
import numpy as np

from fgi_mmseg.utils.sample_files import (UnreadableFileError, binary_mask,
                                          read_image)

DEFAULT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def dice(pred: np.ndarray, gt: np.ndarray) -> float:
    """Foreground Dice of two boolean masks; 1.0 when both are empty.

    Args:
        pred: Predicted mask (any non-zero is foreground).
        gt: Ground-truth mask of the same shape.

    Returns:
        ``2 |P & G| / (|P| + |G|)``.
    """
    pred = np.asarray(pred, dtype=bool)
    gt = np.asarray(gt, dtype=bool)
    if pred.shape != gt.shape:
        raise ValueError(f'mask shapes differ: {pred.shape} vs {gt.shape}')
    return _dice_from_counts(np.count_nonzero(pred & gt),
                             np.count_nonzero(pred), np.count_nonzero(gt))


def _dice_from_counts(overlap: int, pred_count: int, gt_count: int) -> float:
    """``2 |P & G| / (|P| + |G|)`` from pixel counts; 1.0 when both are 0."""
    total = int(pred_count) + int(gt_count)
    if total == 0:
        return 1.0
    return 2.0 * int(overlap) / total


def load_binary_mask(path: str | os.PathLike,
                     threshold: int = 128) -> np.ndarray:
    """Read a ground-truth mask as a boolean array, as the training
    pipeline's ``LoadBinaryAnnotations`` does
    (:func:`~fgi_mmseg.utils.sample_files.binary_mask`).

    Args:
        path: Mask image file.
        threshold: Foreground threshold for 0..255 masks.

    Returns:
        H x W bool mask.

    Raises:
        FileNotFoundError: If the file is missing or unreadable (the message
            names it).
    """
    try:
        mask = read_image(path, cv2.IMREAD_GRAYSCALE)
    except UnreadableFileError as err:
        raise FileNotFoundError(f'{path}: mask {err}') from err
    return binary_mask(mask, threshold)


def pseudo_mask_dice(heatmap: np.ndarray,
                     mask: np.ndarray,
                     thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                     ) -> dict[float, float]:
    """Dice of the pseudo-mask ``heatmap >= t`` against ``mask``, per ``t``.

    Args:
        heatmap: 2-D map with values in [0, 1].
        mask: Binary ground truth of the same shape (any non-zero is
            foreground).
        thresholds: Thresholds in [0, 1].

    Returns:
        Threshold -> Dice, in the order of ``thresholds``.

    Raises:
        ValueError: If the shapes differ or a threshold is outside [0, 1].
    """
    heatmap = np.asarray(heatmap)
    mask = np.asarray(mask) != 0
    if heatmap.shape != mask.shape:
        raise ValueError(f'heatmap {heatmap.shape} and mask {mask.shape} '
                         'shapes differ')
    # Counting bits (np.count_nonzero) instead of summing booleans, and the
    # mask once for all thresholds: 5x less time per image than dice() per t.
    gt_count = np.count_nonzero(mask)
    result = {}
    for t in thresholds:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f'thresholds must be in [0, 1], got {t}')
        pred = heatmap >= t
        result[float(t)] = _dice_from_counts(
            np.count_nonzero(pred & mask), np.count_nonzero(pred), gt_count)
    return result


def summarize_dice(per_image: Iterable[Mapping[float, float]],
                   ) -> dict[float, dict[str, float]]:
    """Aggregate per-image Dice over images.

    Args:
        per_image: One :func:`pseudo_mask_dice` result per image, all with
            the same thresholds.

    Returns:
        Threshold -> ``{'mean', 'std', 'count'}`` (population std). Empty
        if there are no images.
    """
    values: dict[float, list[float]] = {}
    for scores in per_image:
        for t, value in scores.items():
            values.setdefault(float(t), []).append(float(value))
    return {
        t: dict(
            mean=float(np.mean(v)), std=float(np.std(v)), count=len(v))
        for t, v in values.items()
    }


def format_dice_table(summary: Mapping[float, Mapping[str, float]]) -> str:
    """Plain-text table of a :func:`summarize_dice` result."""
    lines = [f'{"threshold":>9}  {"mean Dice":>9}  {"std":>6}  {"images":>6}']
    for t, stats in sorted(summary.items()):
        lines.append(f'{t:>9.2f}  {stats["mean"]:>9.4f}  '
                     f'{stats["std"]:>6.4f}  {stats["count"]:>6d}')
    return '\n'.join(lines)
