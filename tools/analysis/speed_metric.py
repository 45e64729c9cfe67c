"""Time MedicalSegMetric's surface distances against medpy's, per image.

Validation runs the metric every ``val_interval`` iterations, and HD95 and
ASD dominate its cost: medpy's ``hd95`` and ``assd`` each erode both masks
and run two distance transforms over the whole image.
:func:`~fgi_mmseg.evaluation.metrics.medical_seg_metric.surface_distances`
computes the pooled distances once, on the masks' bounding box. Both are
timed on a split's ground-truth masks at their original size, each scored
against itself shifted and eroded (a prediction of the usual quality), in
interleaved rounds; the results are checked equal. Needs medpy
(``requirements/tests.txt``: the library itself no longer uses it).

Example::

    python tools/analysis/speed_metric.py ../shared/data/kvasir-seg
"""
import argparse
import glob
import os.path as osp
import statistics
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from medpy.metric import binary as medpy_binary  # noqa: E402
from scipy.ndimage import binary_erosion  # noqa: E402

from fgi_mmseg.evaluation.metrics.medical_seg_metric import \
    surface_distances  # noqa: E402
from fgi_mmseg.utils.sample_files import binary_mask, read_image  # noqa: E402


def load_pairs(root: str, split: str, num: int) -> list:
    """(prediction, ground truth) boolean masks of a split's first images."""
    with open(osp.join(root, 'splits', f'{split}.txt')) as f:
        ids = [line.strip() for line in f if line.strip()][:num]
    pairs = []
    for sample_id in ids:
        found = glob.glob(osp.join(root, 'masks', f'{sample_id}.*'))
        if not found:
            raise SystemExit(f'{root}/masks: no mask for {sample_id}')
        gt = binary_mask(read_image(found[0], cv2.IMREAD_GRAYSCALE))
        pred = binary_erosion(np.roll(gt, (7, -5), axis=(0, 1)),
                              iterations=3)
        if gt.any() and pred.any():
            pairs.append((pred, gt))
    return pairs


def medpy_case(pred, gt):
    return medpy_binary.hd95(pred, gt), medpy_binary.assd(pred, gt)


def ours_case(pred, gt):
    distances = surface_distances(pred, gt)
    return np.percentile(distances, 95), distances.mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='dataset root with masks/ and splits/')
    parser.add_argument('--split', default='val')
    parser.add_argument('--num', type=int, default=100)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    pairs = load_pairs(args.root, args.split, args.num)
    if not pairs:
        raise SystemExit(f'{args.root}: no {args.split} masks to score')
    times = {'medpy': [], 'ours': []}
    for _ in range(args.rounds):
        for name, case in (('medpy', medpy_case), ('ours', ours_case)):
            start = time.perf_counter()
            values = [case(p, g) for p, g in pairs]
            times[name].append((time.perf_counter() - start) / len(pairs))
            if name == 'medpy':
                expected = values
            elif values != expected:
                raise SystemExit('the distances differ from medpy\'s')
    medpy_ms, ours_ms = (statistics.median(times[k]) * 1000
                         for k in ('medpy', 'ours'))
    shape = pairs[0][1].shape
    print(f'{len(pairs)} {args.split} masks (first {shape[0]} x {shape[1]}), '
          f'{args.rounds} interleaved rounds, HD95 + ASD per image: medpy '
          f'{medpy_ms:.2f} ms, surface_distances {ours_ms:.2f} ms '
          f'({ours_ms / medpy_ms:.2f}x); values equal')


if __name__ == '__main__':
    main()
