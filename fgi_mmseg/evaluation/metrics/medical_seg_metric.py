"""Per-image foreground metrics for binary medical image segmentation."""
import csv
import io
import math
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from prettytable import PrettyTable
from scipy.ndimage import (binary_erosion, distance_transform_edt,
                           generate_binary_structure)

from mmseg.registry import METRICS

from fgi_mmseg.utils.io import write_bytes_atomic

_UNDEFINED_DISTANCE_MODES = ('exclude', 'diagonal')
# medpy's surface: a mask XOR its erosion by the 4-connected cross.
_CROSS = generate_binary_structure(2, 1)


def surface_distances(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Distances from each mask's surface pixels to the other's surface.

    The pooled distances of both directions, as
    :func:`medpy.metric.binary.hd95` and :func:`~medpy.metric.binary.assd`
    compute them (``np.percentile(d, 95)`` and ``d.mean()`` give those
    values exactly), in one pass instead of one per metric, and on the
    masks' bounding box grown by one pixel: every surface pixel lies in it,
    the grown rim is background (or the image border, where erosion sees
    background either way), so erosions and nearest-surface distances are
    those of the whole image, at a fraction of the distance transforms'
    cost for the usual small lesion in a large image.

    Args:
        pred (np.ndarray): HxW mask (nonzero = foreground), not empty.
        gt (np.ndarray): HxW mask (nonzero = foreground), not empty.

    Returns:
        np.ndarray: The surface distances of ``pred`` to ``gt``, then of
        ``gt`` to ``pred``, in pixels.
    """
    pred, gt = np.asarray(pred, dtype=bool), np.asarray(gt, dtype=bool)
    rows = np.flatnonzero((pred | gt).any(axis=1))
    cols = np.flatnonzero((pred | gt).any(axis=0))
    box = (slice(max(rows[0] - 1, 0), rows[-1] + 2),
           slice(max(cols[0] - 1, 0), cols[-1] + 2))
    pred, gt = pred[box], gt[box]
    pred_surface = pred ^ binary_erosion(pred, structure=_CROSS)
    gt_surface = gt ^ binary_erosion(gt, structure=_CROSS)
    return np.concatenate([
        distance_transform_edt(~gt_surface)[pred_surface],
        distance_transform_edt(~pred_surface)[gt_surface]
    ])


@METRICS.register_module()
class MedicalSegMetric(BaseMetric):
    """Per-image Dice, IoU, HD95 and ASD of one foreground class.

    Unlike :class:`mmseg.evaluation.IoUMetric`, which accumulates pixel counts
    over the whole dataset, every metric here is computed per image and then
    averaged over images, which is the usual protocol for polyp / lesion
    segmentation papers (each case weighs the same regardless of its size).

    Metrics are computed at the resolution of the ground truth, so
    ``pred_sem_seg`` must already be resized to the original label size (the
    mmseg segmentors do this in ``postprocess_result``).

    * ``Dice = 2|P∩G| / (|P| + |G|)`` and ``IoU = |P∩G| / |P∪G|``, reported
      in percent.
    * ``HD95`` (95th percentile of the symmetric Hausdorff distance) and
      ``ASD`` (average symmetric surface distance) as
      :func:`medpy.metric.binary.hd95` and :func:`medpy.metric.binary.assd`
      define them (:func:`surface_distances`, tested equal to medpy), in
      pixels (surfaces are the 1-pixel borders obtained by binary erosion
      with connectivity 1). Note that medpy's ``assd`` averages the pooled
      distances of both directions, not the two directional means.

    Conventions for empty masks:

    * prediction and ground truth both empty: ``Dice = IoU = 100%`` and
      ``HD95 = ASD = 0`` (a perfect answer for a negative case);
    * exactly one of them empty: ``Dice = IoU = 0`` and the surface distances
      are undefined. With ``undefined_distance='exclude'`` such images are
      left out of the HD95/ASD mean and std; with ``'diagonal'`` they get the
      image diagonal ``sqrt(H^2 + W^2)`` (the largest possible distance) as a
      penalty. The number of such images is always reported as
      ``num_undefined_distance``.

    Ground-truth pixels equal to ``ignore_index`` are treated as background in
    both prediction and ground truth, so they count neither as hit nor miss
    and never form a surface.

    Args:
        foreground_index (int): Class id of the foreground in both prediction
            and ground truth. Defaults to 1.
        ignore_index (int): Ground-truth value to ignore. Defaults to 255.
        undefined_distance (str): How to handle images whose surface distance
            is undefined (exactly one mask empty): ``'exclude'`` or
            ``'diagonal'``. Defaults to ``'exclude'``.
        output_file (str, optional): If given, per-image rows
            ``id,dice,iou,hd95,asd`` (Dice/IoU in percent, distances in
            pixels, ``nan`` when excluded) are written to this CSV file.
            Defaults to None.
        collect_device (str): Device used for collecting results from
            different ranks during distributed evaluation, ``'cpu'`` or
            ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): The prefix added to the metric names to
            disambiguate homonymous metrics of different evaluators.
            Defaults to None.
    """

    def __init__(self,
                 foreground_index: int = 1,
                 ignore_index: int = 255,
                 undefined_distance: str = 'exclude',
                 output_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if undefined_distance not in _UNDEFINED_DISTANCE_MODES:
            raise ValueError(
                f'undefined_distance must be one of '
                f'{_UNDEFINED_DISTANCE_MODES}, got {undefined_distance!r}')
        if foreground_index == ignore_index:
            raise ValueError('foreground_index and ignore_index must differ, '
                             f'both are {foreground_index}')
        self.foreground_index = foreground_index
        self.ignore_index = ignore_index
        self.undefined_distance = undefined_distance
        self.output_file = output_file

    @staticmethod
    def _to_2d(data: torch.Tensor, name: str) -> np.ndarray:
        """Convert a ``1xHxW`` (or ``HxW``) label tensor to an HxW array."""
        array = data.detach().cpu().numpy() if isinstance(
            data, torch.Tensor) else np.asarray(data)
        # Drop only the channel axis: a generic squeeze() would also collapse
        # a genuine 1-pixel-high or -wide image.
        if array.ndim == 3 and array.shape[0] == 1:
            array = array[0]
        if array.ndim != 2:
            raise ValueError(f'{name} must have shape 1xHxW or HxW, '
                             f'got {tuple(data.shape)}')
        return array

    def compute_case(self, pred_fg: np.ndarray,
                     gt_fg: np.ndarray) -> Tuple[float, float, float, float]:
        """Compute the metrics of one image from boolean foreground masks.

        Args:
            pred_fg (np.ndarray): HxW boolean predicted foreground.
            gt_fg (np.ndarray): HxW boolean ground-truth foreground.

        Returns:
            tuple[float, float, float, float]: Dice and IoU as fractions in
            [0, 1], HD95 and ASD in pixels (NaN when undefined and
            ``undefined_distance='exclude'``).
        """
        # Plain numpy reductions: cheap even for full-resolution images.
        inter = np.count_nonzero(pred_fg & gt_fg)
        union = np.count_nonzero(pred_fg | gt_fg)
        total = np.count_nonzero(pred_fg) + np.count_nonzero(gt_fg)
        if total == 0:
            # Both empty: the (negative) case is solved perfectly.
            return 1.0, 1.0, 0.0, 0.0
        dice = 2.0 * inter / total
        iou = inter / union
        if pred_fg.any() and gt_fg.any():
            distances = surface_distances(pred_fg, gt_fg)
            hd95 = float(np.percentile(distances, 95))
            asd = float(distances.mean())
        elif self.undefined_distance == 'diagonal':
            # No surface to measure against: charge the largest distance
            # possible inside the image.
            hd95 = asd = float(math.hypot(*gt_fg.shape))
        else:
            hd95 = asd = float('nan')
        return dice, iou, hd95, asd

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Process one batch of data and data_samples.

        Per-image metrics are computed here (rather than storing masks) so
        that only a few floats per image are gathered across ranks.

        Args:
            data_batch (dict): A batch of data from the dataloader.
            data_samples (Sequence[dict]): A batch of outputs from the model,
                each with ``pred_sem_seg.data`` and ``gt_sem_seg.data`` and
                optionally ``img_path``.
        """
        for data_sample in data_samples:
            pred = self._to_2d(data_sample['pred_sem_seg']['data'],
                               'pred_sem_seg')
            gt = self._to_2d(data_sample['gt_sem_seg']['data'], 'gt_sem_seg')
            if pred.shape != gt.shape:
                raise ValueError(
                    f'pred_sem_seg shape {pred.shape} differs from gt_sem_seg '
                    f'shape {gt.shape}; MedicalSegMetric evaluates at the '
                    'original label resolution, so resize the prediction to '
                    'the ground-truth size first.')
            valid = gt != self.ignore_index
            pred_fg = (pred == self.foreground_index) & valid
            gt_fg = (gt == self.foreground_index) & valid
            dice, iou, hd95, asd = self.compute_case(pred_fg, gt_fg)
            img_path = data_sample.get('img_path')
            case_id = osp.splitext(osp.basename(img_path))[0] \
                if img_path else None
            self.results.append(
                dict(
                    id=case_id,
                    dice=dice,
                    iou=iou,
                    hd95=hd95,
                    asd=asd,
                    # Recorded explicitly because in 'diagonal' mode the
                    # distance is finite even though it was undefined.
                    undefined_distance=bool(pred_fg.any() != gt_fg.any())))

    @staticmethod
    def _mean_std(values: np.ndarray) -> Tuple[float, float]:
        """Mean and population std over non-NaN values (NaN if none)."""
        values = values[~np.isnan(values)]
        if values.size == 0:
            # Avoid numpy's "mean of empty slice" warning.
            return float('nan'), float('nan')
        return float(values.mean()), float(values.std())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics from processed results.

        Args:
            results (list): The per-image dicts built by :meth:`process`.

        Returns:
            Dict[str, float]: ``Dice``, ``Dice_std``, ``IoU``, ``IoU_std`` (in
            percent), ``HD95``, ``HD95_std``, ``ASD``, ``ASD_std`` (in pixels,
            NaN if no image has a defined distance), ``num_images`` and
            ``num_undefined_distance``.
        """
        columns = {
            key: np.array([r[key] for r in results], dtype=np.float64)
            for key in ('dice', 'iou', 'hd95', 'asd')
        }
        metrics: Dict[str, float] = OrderedDict()
        # (reported name, per-image key, scale): Dice/IoU go to percent.
        summary = [('Dice', 'dice', 100.0), ('IoU', 'iou', 100.0),
                   ('HD95', 'hd95', 1.0), ('ASD', 'asd', 1.0)]
        for name, key, scale in summary:
            mean, std = self._mean_std(columns[key] * scale)
            metrics[name] = mean
            metrics[f'{name}_std'] = std
        metrics['num_images'] = len(results)
        metrics['num_undefined_distance'] = sum(
            r['undefined_distance'] for r in results)

        self._log_summary(metrics)
        if self.output_file is not None:
            self._write_csv(results)
        return metrics

    def _log_summary(self, metrics: Dict[str, float]) -> None:
        """Log a summary table together with the empty-mask convention."""
        table = PrettyTable()
        for name in ('Dice', 'IoU', 'HD95', 'ASD'):
            table.add_column(
                name, [f'{metrics[name]:.2f} ± {metrics[name + "_std"]:.2f}'])
        table.add_column('images', [metrics['num_images']])
        table.add_column('undefined dist.',
                         [metrics['num_undefined_distance']])
        if self.undefined_distance == 'exclude':
            rule = 'excluded from HD95/ASD'
        else:
            rule = 'scored with the image diagonal for HD95/ASD'
        print_log(
            'Per-image foreground metrics (Dice/IoU in %, HD95/ASD in px, '
            'mean ± population std). Both masks empty: Dice=IoU=100, '
            f'HD95=ASD=0; exactly one empty: Dice=IoU=0, distances {rule}.\n'
            + table.get_string(),
            logger='current')

    def _write_csv(self, results: List[dict]) -> None:
        """Write per-image rows to ``output_file`` atomically.

        Readers never see a half-written file (see
        :func:`~fgi_mmseg.utils.io.atomic_write`).
        """
        text = io.StringIO(newline='')
        writer = csv.writer(text)
        writer.writerow(['id', 'dice', 'iou', 'hd95', 'asd'])
        for i, r in enumerate(results):
            # Fall back to the position when no img_path was given.
            case_id = r['id'] if r['id'] is not None else str(i)
            writer.writerow([
                case_id, r['dice'] * 100.0, r['iou'] * 100.0, r['hd95'],
                r['asd']
            ])
        write_bytes_atomic(self.output_file, text.getvalue().encode('utf-8'))
