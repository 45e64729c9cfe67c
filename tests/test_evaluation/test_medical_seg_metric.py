"""Tests for MedicalSegMetric against hand-computed cases.

Reminder of how medpy measures distances (used in the hand computations):
the surface of a mask is ``mask XOR erosion(mask)`` with a 4-connected
(cross) structuring element, i.e. the mask pixels with at least one
4-neighbour outside the mask; a distance is the Euclidean distance from a
surface pixel to the nearest surface pixel of the other mask. HD95 is
``np.percentile`` (linear interpolation) of the pooled distances of both
directions and ASD is their plain mean. All masks below stay away from the
image border, so the border does not change the erosion.
"""
import csv
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from fgi_mmseg.evaluation.metrics.medical_seg_metric import MedicalSegMetric

H = W = 16


def box(top: int, left: int, height: int, width: int) -> np.ndarray:
    """An HxW label map with a foreground (1) rectangle."""
    label = np.zeros((H, W), dtype=np.int64)
    label[top:top + height, left:left + width] = 1
    return label


def empty() -> np.ndarray:
    return np.zeros((H, W), dtype=np.int64)


def sample(pred: np.ndarray, gt: np.ndarray, img_path: str = None) -> dict:
    """A data sample as mmengine hands it to ``process`` (a plain dict)."""
    data_sample = dict(
        pred_sem_seg=dict(data=torch.from_numpy(pred)[None]),
        gt_sem_seg=dict(data=torch.from_numpy(gt)[None]))
    if img_path is not None:
        data_sample['img_path'] = img_path
    return data_sample


def evaluate(pairs, **kwargs) -> dict:
    """Run process + compute_metrics on (pred, gt) pairs."""
    metric = MedicalSegMetric(**kwargs)
    metric.process({}, [sample(p, g) for p, g in pairs])
    return metric.compute_metrics(metric.results)


def test_identical_masks_are_perfect():
    m = evaluate([(box(4, 4, 5, 6), box(4, 4, 5, 6))])
    assert m['Dice'] == pytest.approx(100.0)
    assert m['IoU'] == pytest.approx(100.0)
    assert m['HD95'] == pytest.approx(0.0)
    assert m['ASD'] == pytest.approx(0.0)
    assert m['num_images'] == 1
    assert m['num_undefined_distance'] == 0


def test_dice_iou_of_known_overlap():
    # 4x4 prediction containing a 4x2 ground truth: |P∩G| = 8, |P| = 16,
    # |G| = 8, |P∪G| = 16 -> Dice = 2*8/(16+8) = 2/3, IoU = 8/16 = 1/2.
    m = evaluate([(box(4, 4, 4, 4), box(4, 4, 4, 2))])
    assert m['Dice'] == pytest.approx(100 * 2 * 8 / (16 + 8))
    assert m['IoU'] == pytest.approx(50.0)


@pytest.mark.parametrize('dy, dx, dist', [(0, 3, 3.0), (3, 4, 5.0),
                                          (7, 0, 7.0)])
def test_single_pixels_at_distance_d(dy, dx, dist):
    # A single pixel is its own surface (its erosion is empty), so each
    # direction contributes exactly one distance d: HD95 = ASD = d. The masks
    # are disjoint, hence Dice = 0.
    m = evaluate([(box(2, 2, 1, 1), box(2 + dy, 2 + dx, 1, 1))])
    assert m['HD95'] == pytest.approx(dist)
    assert m['ASD'] == pytest.approx(dist)
    assert m['Dice'] == pytest.approx(0.0)


def test_one_pixel_vs_two_pixel_bar():
    # P = {(5,5)}, G = {(5,5), (5,6)}; both are entirely surface.
    # P->G: [0]; G->P: [0, 1]. Pooled [0, 0, 1]:
    #   ASD  = 1/3
    #   HD95 = percentile([0, 0, 1], 95): position 0.95*2 = 1.9 between the
    #          sorted values 0 and 1 -> 0 + 0.9*(1 - 0) = 0.9
    # Dice = 2*1/(1+2) = 2/3, IoU = 1/2.
    m = evaluate([(box(5, 5, 1, 1), box(5, 5, 1, 2))])
    assert m['ASD'] == pytest.approx(1 / 3)
    assert m['HD95'] == pytest.approx(0.9)
    assert m['Dice'] == pytest.approx(100 * 2 / 3)
    assert m['IoU'] == pytest.approx(50.0)


def test_square_shifted_by_one_pixel():
    # 3x3 squares, G shifted one column right (cols 2-4 vs 3-5, rows 2-4).
    # Each surface is the 8-pixel ring (centre is interior).
    # P->G: P's left column (3 px) is 1 from G's left column; (3,4) is G's
    # interior centre, 1 from the ring; the other 4 ring pixels of P lie on
    # G's ring -> four 0s and four 1s. By symmetry G->P is the same.
    # Pooled 16 values: eight 0s, eight 1s -> ASD = 0.5, HD95 = 1.
    # Overlap 3x2 = 6 px: Dice = 12/18 = 2/3, IoU = 6/12 = 1/2.
    m = evaluate([(box(2, 2, 3, 3), box(2, 3, 3, 3))])
    assert m['HD95'] == pytest.approx(1.0)
    assert m['ASD'] == pytest.approx(0.5)
    assert m['Dice'] == pytest.approx(100 * 2 / 3)
    assert m['IoU'] == pytest.approx(50.0)


@pytest.mark.parametrize('k', [3, 4, 6])
def test_square_shifted_by_k_disjoint(k):
    # 3x3 squares in the same rows, G shifted k >= 3 columns right (disjoint).
    # G's left column (col 2+k) is on G's ring for all three rows, so a P
    # surface pixel in column c is 2+k-c away: P's ring has 3 px in col 4
    # (k-2), 2 in col 3 (k-1; the centre is interior) and 3 in col 2 (k).
    # G->P is symmetric. Pooled 16 values: six (k-2), four (k-1), six k.
    #   ASD  = (6(k-2) + 4(k-1) + 6k) / 16 = k - 1
    #   HD95 = percentile at position 0.95*15 = 14.25, between the 15th and
    #          16th sorted values, both k -> k
    m = evaluate([(box(2, 2, 3, 3), box(2, 2 + k, 3, 3))])
    assert m['HD95'] == pytest.approx(k)
    assert m['ASD'] == pytest.approx(k - 1)
    assert m['Dice'] == pytest.approx(0.0)


@pytest.mark.parametrize('mode', ['exclude', 'diagonal'])
def test_both_empty_is_perfect(mode):
    m = evaluate([(empty(), empty())], undefined_distance=mode)
    assert m['Dice'] == pytest.approx(100.0)
    assert m['IoU'] == pytest.approx(100.0)
    assert m['HD95'] == 0.0
    assert m['ASD'] == 0.0
    assert m['num_undefined_distance'] == 0


@pytest.mark.parametrize('pred_empty', [True, False])
def test_one_empty_excluded_from_distances(pred_empty):
    one_empty = (empty(), box(2, 2, 3, 3)) if pred_empty else \
        (box(2, 2, 3, 3), empty())
    # Second image: single pixels 3 apart (HD95 = ASD = 3).
    m = evaluate([one_empty, (box(2, 2, 1, 1), box(2, 5, 1, 1))],
                 undefined_distance='exclude')
    assert m['Dice'] == pytest.approx(0.0)
    assert m['IoU'] == pytest.approx(0.0)
    # Only the second image enters the distance statistics.
    assert m['HD95'] == pytest.approx(3.0)
    assert m['HD95_std'] == pytest.approx(0.0)
    assert m['ASD'] == pytest.approx(3.0)
    assert m['num_images'] == 2
    assert m['num_undefined_distance'] == 1


def test_all_undefined_gives_nan_distances():
    m = evaluate([(empty(), box(2, 2, 3, 3))], undefined_distance='exclude')
    assert math.isnan(m['HD95']) and math.isnan(m['HD95_std'])
    assert math.isnan(m['ASD']) and math.isnan(m['ASD_std'])
    assert m['num_undefined_distance'] == 1


def test_one_empty_scored_with_diagonal():
    diag = math.hypot(H, W)
    # Distances: [diag, 3] -> mean (diag+3)/2, population std (diag-3)/2.
    m = evaluate([(empty(), box(2, 2, 3, 3)),
                  (box(2, 2, 1, 1), box(2, 5, 1, 1))],
                 undefined_distance='diagonal')
    assert m['HD95'] == pytest.approx((diag + 3) / 2)
    assert m['HD95_std'] == pytest.approx((diag - 3) / 2)
    assert m['ASD'] == pytest.approx((diag + 3) / 2)
    assert m['num_undefined_distance'] == 1


def test_mean_and_population_std_over_images():
    # Three cases computed above: identical squares (Dice 100, HD95 0),
    # 1-px vs 2-px bar (Dice 200/3, HD95 0.9) and single pixels 3 apart
    # (Dice 0, HD95 3). Std is the population std (ddof=0).
    pairs = [(box(4, 4, 4, 4), box(4, 4, 4, 4)),
             (box(5, 5, 1, 1), box(5, 5, 1, 2)),
             (box(2, 2, 1, 1), box(2, 5, 1, 1))]
    dice = np.array([100.0, 100 * 2 / 3, 0.0])
    hd95 = np.array([0.0, 0.9, 3.0])
    m = evaluate(pairs)
    assert m['Dice'] == pytest.approx(dice.mean())
    assert m['Dice_std'] == pytest.approx(dice.std(ddof=0))
    assert m['HD95'] == pytest.approx(hd95.mean())
    assert m['HD95_std'] == pytest.approx(hd95.std(ddof=0))
    assert m['num_images'] == 3


def test_shape_mismatch_raises_clear_error():
    metric = MedicalSegMetric()
    pred = np.zeros((H, W + 1), dtype=np.int64)
    with pytest.raises(ValueError, match='differs from gt_sem_seg shape'):
        metric.process({}, [sample(pred, box(2, 2, 3, 3))])


def test_ignore_index_is_background_in_both():
    gt = box(4, 4, 4, 4)
    gt[4:8, 6:8] = 255  # right half of the square is ignored
    # The prediction covers the whole square; on ignored pixels it does not
    # count, so effectively P = G = 4x2 left half -> perfect score.
    m = evaluate([(box(4, 4, 4, 4), gt)])
    assert m['Dice'] == pytest.approx(100.0)
    assert m['HD95'] == pytest.approx(0.0)


def test_foreground_index_selects_class():
    # Class 2 is the foreground; class 1 in the prediction is background.
    pred, gt = box(4, 4, 4, 4) * 2, box(4, 4, 4, 4) * 2
    pred[4:8, 4:6] = 1
    m = evaluate([(pred, gt)], foreground_index=2)
    assert m['Dice'] == pytest.approx(100 * 2 * 8 / (8 + 16))


def test_invalid_undefined_distance_mode():
    with pytest.raises(ValueError, match='undefined_distance'):
        MedicalSegMetric(undefined_distance='zero')


def test_prefix_is_applied_by_evaluate():
    metric = MedicalSegMetric(prefix='val')
    metric.process({}, [sample(box(2, 2, 3, 3), box(2, 2, 3, 3))])
    assert metric.evaluate(1)['val/Dice'] == pytest.approx(100.0)


def test_registered_in_mmseg_metrics():
    from mmseg.registry import METRICS
    assert isinstance(
        METRICS.build(dict(type='MedicalSegMetric')), MedicalSegMetric)


def test_output_file_has_per_image_rows(tmp_path):
    out = tmp_path / 'sub' / 'cases.csv'
    metric = MedicalSegMetric(output_file=str(out))
    metric.process({}, [
        sample(box(2, 2, 1, 1), box(2, 5, 1, 1), img_path='/x/case_a.jpg'),
        sample(empty(), box(2, 2, 3, 3)),
    ])
    metric.compute_metrics(metric.results)
    with open(out, newline='') as f:
        rows = list(csv.DictReader(f))
    assert [r['id'] for r in rows] == ['case_a', '1']
    assert float(rows[0]['hd95']) == pytest.approx(3.0)
    assert float(rows[0]['dice']) == pytest.approx(0.0)
    assert math.isnan(float(rows[1]['asd']))
    # Only the final file is left: the temporary file was renamed.
    assert [p.name for p in out.parent.iterdir()] == ['cases.csv']


DATA_ROOT = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data'


def test_kvasir_gt_against_itself():
    kvasir = DATA_ROOT / 'kvasir-seg'
    if not kvasir.is_dir():
        pytest.skip(f'Kvasir-SEG not found at {kvasir}')
    from PIL import Image
    ids = (kvasir / 'splits' / 'test.txt').read_text().split()[:3]
    samples = []
    for case_id in ids:
        mask = np.asarray(
            Image.open(kvasir / 'masks' / f'{case_id}.jpg').convert('L'))
        # JPEG compression blurs the 0/255 mask, so threshold at mid-grey.
        label = (mask >= 128).astype(np.int64)
        samples.append(sample(label, label, img_path=f'{case_id}.jpg'))
    metric = MedicalSegMetric()
    metric.process({}, samples)
    m = metric.compute_metrics(metric.results)
    assert m['num_images'] == 3
    assert m['Dice'] == pytest.approx(100.0)
    assert m['HD95'] == pytest.approx(0.0)
    assert m['ASD'] == pytest.approx(0.0)


def _blobs(rng, shape, count):
    """A mask of ``count`` random discs and boxes, some at the border."""
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    mask = np.zeros(shape, dtype=bool)
    for _ in range(count):
        cy, cx = rng.integers(0, shape[0]), rng.integers(0, shape[1])
        r = rng.integers(1, max(shape) // 4)
        if rng.random() < 0.5:
            mask |= (yy - cy)**2 + (xx - cx)**2 <= r * r
        else:
            mask[cy:cy + r, cx:cx + 2 * r] = True
    return mask


def _ring(shape, cy, cx, inner, outer):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    r2 = (yy - cy)**2 + (xx - cx)**2
    return (r2 <= outer * outer) & (r2 > inner * inner)


def _assert_equal_to_medpy(pred, gt):
    # Bit-equal: same surfaces, same distances, in the same order.
    from medpy.metric import binary as medpy_binary

    from fgi_mmseg.evaluation.metrics.medical_seg_metric import \
        surface_distances
    d = surface_distances(pred, gt)
    assert np.percentile(d, 95) == medpy_binary.hd95(pred, gt)
    assert d.mean() == medpy_binary.assd(pred, gt)


@pytest.mark.parametrize('seed', range(12))
def test_distances_equal_medpys(seed):
    # Random blobs and boxes, some touching the image border.
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(20, 90)), int(rng.integers(20, 90)))
    pred = _blobs(rng, shape, int(rng.integers(1, 4)))
    gt = _blobs(rng, shape, int(rng.integers(1, 4)))
    if seed == 0:
        pred[0, :], gt[:, -1] = True, True  # whole border rows/columns
    _assert_equal_to_medpy(pred, gt)


def test_distances_of_a_small_lesion_in_a_large_image():
    # The case the bounding-box crop is for: a few % of a 500 x 600 image.
    shape = (500, 600)
    gt = _ring(shape, 300, 420, 0, 30)
    pred = _ring(shape, 305, 410, 0, 26)
    pred[310:330, 380:470] = True
    _assert_equal_to_medpy(pred, gt)


def test_distances_of_masks_with_holes():
    # A ring's inner border is surface too, inside the bounding box.
    shape = (64, 64)
    _assert_equal_to_medpy(_ring(shape, 30, 32, 8, 20),
                           _ring(shape, 33, 30, 4, 18))


@pytest.mark.parametrize('shape', [(1, 40), (40, 1)])
def test_distances_on_one_pixel_wide_images(shape):
    pred, gt = np.zeros(shape, bool), np.zeros(shape, bool)
    pred.reshape(-1)[5:15] = True
    gt.reshape(-1)[10:30] = True
    _assert_equal_to_medpy(pred, gt)


def test_integer_masks_are_foreground_where_nonzero():
    from fgi_mmseg.evaluation.metrics.medical_seg_metric import \
        surface_distances
    pred, gt = box(2, 2, 5, 5), box(4, 3, 6, 6)
    np.testing.assert_array_equal(
        surface_distances(pred * 7, gt),
        surface_distances(pred.astype(bool), gt.astype(bool)))
