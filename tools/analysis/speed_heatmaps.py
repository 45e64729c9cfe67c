"""Time gaze heatmaps on real Kvasir-SEG fixations, and check them.

Builds :func:`fast_heatmap` maps for every image (timed), checks them against
:func:`reference_heatmap` on an evenly spaced subset, and reports the mean
per-image Dice of the 0.5-thresholded maps against the ground-truth masks
(method §3; the GazeMedSeg authors report 0.745).

Example::

    python tools/analysis/speed_heatmaps.py --reference-count 1000
"""
import os

# Each fast heatmap is a (768 x N) @ (N x 768) product with N ~ 25: too small
# for BLAS threads to help, and their spin-waiting slowed the whole run 5-8x
# when the 2 cores were shared with another process. Must precede numpy.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from fgi_mmseg.gaze import (fast_heatmap, read_fixations,  # noqa: E402
                            reference_heatmap)
from fgi_mmseg.utils.sample_files import (  # noqa: E402
    UnreadableFileError, binary_mask, read_image)

DATA = (Path(__file__).resolve().parents[2] / '..' / 'shared' /
        'data').resolve()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--fixations',
        type=Path,
        default=DATA / 'gaze' / 'kvasir_fixation.csv',
        help='GazeMedSeg fixation CSV')
    parser.add_argument(
        '--masks',
        type=Path,
        default=DATA / 'kvasir-seg' / 'masks',
        help='folder of <id>.jpg ground-truth masks')
    parser.add_argument('--sigma', type=float, default=70)
    parser.add_argument(
        '--reference-count',
        type=int,
        default=50,
        help='images also built with the slow reference (0 to skip)')
    parser.add_argument('--threshold', type=float, default=0.5)
    parser.add_argument(
        '--gazemedseg-protocol',
        action='store_true',
        help='also score maps as the authors did: truncated to uint8, saved '
        'as JPEG (quality 75, PIL\'s default), "> threshold" against the '
        'soft mask / 255')
    parser.add_argument('--json', type=Path, help='write the results here')
    return parser.parse_args()


def dice(pred: np.ndarray, gt: np.ndarray) -> float:
    """Foreground Dice; two empty masks agree perfectly (1.0)."""
    total = pred.sum() + gt.sum()
    return 1.0 if total == 0 else float(2 * (pred * gt).sum() / total)


def load_mask(path: Path) -> np.ndarray:
    """Grey mask in [0, 255]; Kvasir masks are JPEG (0/255 plus noise)."""
    try:
        return read_image(path, cv2.IMREAD_GRAYSCALE)
    except UnreadableFileError as err:
        raise FileNotFoundError(f'{path}: mask {err}') from err


def gazemedseg_dice(heatmap: np.ndarray, mask: np.ndarray,
                    threshold: float) -> float:
    """Dice as GazeMedSeg's notebook computes it, JPEG round trip included."""
    image = (heatmap * 255).astype(np.uint8)
    ok, jpeg = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    stored = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
    pred = (stored > threshold).astype(np.float64)
    gt = mask.astype(np.float64) / 255
    return float(2 * (pred * gt).sum() / (pred.sum() + gt.sum() + 1e-6))


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    table = read_fixations(args.fixations)
    read_s = time.perf_counter() - start
    print(f'read {len(table)} images in {read_s:.2f} s; {table.report}')

    ids = sorted(table)
    count = min(max(args.reference_count, 0), len(ids))
    # Evenly spaced, so the subset spans the whole (sorted) id list.
    picks = np.linspace(0, len(ids) - 1, count, dtype=int) if count else []
    reference_ids = {ids[i] for i in picks}

    fast_s, dices, authors_dices, kept = 0.0, [], [], {}
    for image_id in tqdm(ids, desc='fast heatmaps + Dice'):
        fix = table[image_id]
        start = time.perf_counter()
        heatmap = fast_heatmap(fix.x, fix.y, fix.duration, fix.height,
                               fix.width, sigma=args.sigma)
        fast_s += time.perf_counter() - start
        mask = load_mask(args.masks / f'{image_id}.jpg')
        if mask.shape != heatmap.shape:
            raise ValueError(f'{image_id}: mask {mask.shape} and fixation '
                             f'table size {heatmap.shape} differ')
        dices.append(dice(heatmap >= args.threshold, binary_mask(mask)))
        if args.gazemedseg_protocol:
            authors_dices.append(
                gazemedseg_dice(heatmap, mask, args.threshold))
        if image_id in reference_ids:
            kept[image_id] = heatmap

    max_diff, ref_s = 0.0, 0.0
    for image_id in tqdm(sorted(kept), desc='reference heatmaps'):
        fix = table[image_id]
        start = time.perf_counter()
        reference = reference_heatmap(fix.x, fix.y, fix.duration, fix.height,
                                      fix.width, sigma=args.sigma)
        ref_s += time.perf_counter() - start
        max_diff = max(max_diff, float(np.abs(kept[image_id] -
                                              reference).max()))

    results = {
        'images': len(ids),
        'fast_seconds_total': round(fast_s, 3),
        'fast_ms_per_image': round(1000 * fast_s / len(ids), 3),
        'reference_images': len(kept),
        'reference_ms_per_image':
        round(1000 * ref_s / len(kept), 1) if kept else None,
        'max_abs_diff_fast_vs_reference': max_diff if kept else None,
        f'mean_dice_at_{args.threshold}': round(float(np.mean(dices)), 4),
    }
    if authors_dices:
        results['mean_dice_gazemedseg_protocol'] = round(
            float(np.mean(authors_dices)), 4)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + '\n')


if __name__ == '__main__':
    main()
