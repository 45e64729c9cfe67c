"""Build gaze heatmaps for a dataset from a fixation table (method §3).

One heatmap per image of the fixation table (GazeMedSeg CSV), written
atomically as ``<out>/<id>.png`` (or ``.npy``); images whose heatmap exists
are skipped, so an interrupted run resumes where it stopped. Delete the
output folder to rebuild after changing ``--sigma``, ``--format`` or
``--crf``.

When ground-truth masks exist, the per-threshold mean Dice of the
pseudo-masks ``H >= t`` (computed from the heatmap files as stored) is
printed and written to ``<out>/report.json``.

Examples::

    # Kvasir-SEG, recorded gaze; the dataset folder may be read-only.
    python tools/gaze/build_gaze.py data/kvasir-seg \\
        --fixations data/gaze/kvasir_fixation.csv \\
        --out data/kvasir-gaze/heatmaps

    # ISIC has no recorded gaze: simulate it from the masks first.
    python tools/gaze/build_gaze.py data/isic2017 --simulate --seed 0 \\
        --fixations data/isic2017/gaze/fixations.csv \\
        --masks masks --mask-suffix _segmentation.png
"""
import os

# Each heatmap is a (768 x N) @ (N x 768) product with N ~ 25: too small for
# BLAS threads to help, and their spin-waiting slows a run on shared cores
# several times over. Must precede the numpy import.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import multiprocessing  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Optional  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from tqdm import tqdm  # noqa: E402


def _load_package_without_registration() -> None:
    """Make ``fgi_mmseg`` importable without running its ``__init__``.

    The package's ``__init__`` registers every model into mmseg, which
    imports torch and mmengine: 4-5 s of a run that builds 1,000 heatmaps in
    a few seconds and needs neither. Its subpackages ``gaze`` and
    ``utils.io`` use numpy, scipy and OpenCV only, so the package is put in
    ``sys.modules`` unexecuted and they are imported from it.
    """
    if 'fgi_mmseg' in sys.modules:
        return
    spec = importlib.util.find_spec('fgi_mmseg')  # finds, runs nothing
    sys.modules['fgi_mmseg'] = importlib.util.module_from_spec(spec)


_load_package_without_registration()

from fgi_mmseg.gaze import (DEFAULT_THRESHOLDS, crf_available,  # noqa: E402
                            fast_heatmap, format_dice_table, load_binary_mask,
                            load_heatmap, pseudo_mask_dice, read_fixations,
                            refine_with_crf, save_heatmap, simulate_fixations,
                            summarize_dice, write_fixations)
from fgi_mmseg.utils.io import write_json_atomic  # noqa: E402

# --format -> (file suffix, PNG bit depth).
FORMATS = {'png': ('.png', 8), 'png16': ('.png', 16), 'npy': ('.npy', 8)}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build gaze heatmaps from a fixation table.')
    parser.add_argument('root', type=Path, help='dataset root')
    parser.add_argument(
        '--fixations',
        type=Path,
        required=True,
        help='GazeMedSeg fixation CSV (written first with --simulate)')
    parser.add_argument(
        '--out',
        type=Path,
        help='heatmap folder (default: <root>/gaze/heatmaps); may lie '
        'outside a read-only dataset root')
    parser.add_argument('--images', default='images',
                        help='image folder, relative to the root')
    parser.add_argument('--img-suffix', default='.jpg')
    parser.add_argument('--masks', default='masks',
                        help='mask folder, relative to the root')
    parser.add_argument('--mask-suffix', default='.jpg')
    parser.add_argument(
        '--sigma',
        type=float,
        default=70,
        help='Gaussian sigma on the 768 canvas (70 Kvasir, 50 NCI-ISBI)')
    parser.add_argument(
        '--format',
        choices=sorted(FORMATS),
        default='png',
        help='png: 8-bit, png16: 16-bit, npy: float32')
    parser.add_argument(
        '--crf',
        action='store_true',
        help='refine each heatmap with a dense CRF (needs pydensecrf2)')
    parser.add_argument(
        '--simulate',
        action='store_true',
        help='simulate fixations from the masks (seeded) and write them to '
        '--fixations before building')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the gaze simulation')
    parser.add_argument(
        '--workers',
        type=int,
        default=min(4, os.cpu_count() or 1),
        help='processes building heatmaps (default: the cores, at most 4)')
    parser.add_argument(
        '--thresholds',
        type=float,
        nargs='+',
        default=list(DEFAULT_THRESHOLDS),
        help='pseudo-mask thresholds of the Dice report')
    return parser.parse_args(argv)


def simulate_table(mask_dir: Path, mask_suffix: str, img_suffix: str,
                   fixations: Path, seed: int) -> int:
    """Simulate fixations for every mask and write them as a CSV.

    One generator seeded with ``seed`` serves all masks in sorted id order,
    so the table depends only on the masks and the seed.

    Returns:
        The number of images simulated.
    """
    paths = sorted(mask_dir.glob(f'*{mask_suffix}'))
    if not paths:
        sys.exit(f'--simulate: no *{mask_suffix} masks in {mask_dir}')
    rng = np.random.default_rng(seed)
    simulated = []
    for path in tqdm(paths, desc='simulating gaze', unit='img'):
        image_id = path.name[:-len(mask_suffix)]
        simulated.append(
            simulate_fixations(load_binary_mask(path), rng, image_id))
    fixations.parent.mkdir(parents=True, exist_ok=True)
    write_fixations(fixations, simulated, image_suffix=img_suffix)
    return len(simulated)


class BuildError(Exception):
    """A problem with one image, reported as one line naming its file."""


def check_image_size(path: Path, height: int, width: int) -> None:
    """Fail, naming the file, if an image's size differs from the table's."""
    # PIL reads only the header, so checking 1,000 images costs little.
    with Image.open(path) as image:
        actual_width, actual_height = image.size
    if (actual_height, actual_width) != (height, width):
        raise BuildError(f'{path}: image is {actual_height} x {actual_width} '
                         f'but the fixation table says {height} x {width}')


# (table, args, out, suffix, bit_depth, check_images, has_masks) of the run,
# set before the worker processes fork so that they inherit it unpickled.
_RUN: Optional[tuple] = None


def build_one(image_id: str) -> tuple:
    """Build (unless there) and score one heatmap of the current run.

    Returns:
        ``(written, score)``: whether the heatmap was written now, and its
        per-threshold Dice (``None`` without masks, ``'missing'`` when the
        image's mask is absent).
    """
    table, args, out, suffix, bit_depth, check_images, has_masks = _RUN
    fix = table[image_id]
    path = out / f'{image_id}{suffix}'
    image_path = args.root / args.images / f'{image_id}{args.img_suffix}'
    if check_images:
        if not image_path.is_file():
            raise BuildError(f'{image_path}: image of fixation-table entry '
                             f'{image_id!r} not found')
        check_image_size(image_path, fix.height, fix.width)
    written = not path.exists()
    if written:
        heatmap = fast_heatmap(fix.x, fix.y, fix.duration, fix.height,
                               fix.width, sigma=args.sigma)
        if args.crf:
            image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
            if image is None:
                raise BuildError(f'{image_path}: not a readable image')
            heatmap = refine_with_crf(image, heatmap)
        stored = save_heatmap(path, heatmap, bit_depth=bit_depth)
    if not has_masks:
        return written, None
    mask_path = args.root / args.masks / f'{image_id}{args.mask_suffix}'
    if not mask_path.is_file():
        return written, 'missing'
    # Scored as stored (8-bit PNGs are quantised), so a resumed run reports
    # what a fresh one does.
    return written, pseudo_mask_dice(
        stored if written else load_heatmap(path),
        load_binary_mask(mask_path), args.thresholds)


def build_all(ids: list, workers: int):
    """``build_one`` over ``ids`` in order, in ``workers`` processes."""
    if workers <= 1:
        yield from map(build_one, ids)
        return
    # Each map is a small single-threaded product and two image codecs, so
    # processes (forked: they inherit _RUN) scale with the cores.
    with multiprocessing.get_context('fork').Pool(workers) as pool:
        yield from pool.imap(build_one, ids, chunksize=16)


def main(argv=None) -> None:
    args = parse_args(argv)
    suffix, bit_depth = FORMATS[args.format]
    out = args.out or args.root / 'gaze' / 'heatmaps'
    image_dir, mask_dir = args.root / args.images, args.root / args.masks
    if args.crf and not crf_available():
        # Nothing is written: plain maps in the CRF folder would be skipped
        # (as existing) by a later run once the package is installed.
        print('--crf: skipped, dense-CRF refinement needs the optional '
              'package pydensecrf2 (`pip install pydensecrf2`)')
        return
    if args.crf and not image_dir.is_dir():
        sys.exit(f'--crf needs the images, but {image_dir} does not exist')

    if args.simulate:
        count = simulate_table(mask_dir, args.mask_suffix, args.img_suffix,
                               args.fixations, args.seed)
        print(f'simulated gaze for {count} images (seed {args.seed}) -> '
              f'{args.fixations}')
    table = read_fixations(args.fixations)
    print(f'{len(table)} images in the fixation table; {table.report}')
    if not len(table):
        sys.exit(f'{args.fixations}: no usable fixations')

    check_images = image_dir.is_dir()
    if not check_images:
        print(f'{image_dir} not found: image sizes are not checked')
    has_masks = mask_dir.is_dir()
    out.mkdir(parents=True, exist_ok=True)
    # Temporaries of a killed run (atomic_write's '.<name>.<random>.tmp');
    # one run owns its output folder, so none is still being written.
    stale = list(out.glob('.*.png.*.tmp')) + list(out.glob('.*.npy.*.tmp'))
    for path in stale:
        path.unlink()
    if stale:
        print(f'removed {len(stale)} temporary files of an interrupted run')

    global _RUN
    _RUN = (table, args, out, suffix, bit_depth, check_images, has_masks)
    written, skipped, missing_masks, scores = 0, 0, [], []
    start = time.perf_counter()
    ids = sorted(table)
    try:
        for image_id, (wrote, score) in zip(
                ids, tqdm(build_all(ids, args.workers), total=len(ids),
                          desc='heatmaps', unit='img')):
            written += wrote
            skipped += not wrote
            if score == 'missing':
                missing_masks.append(image_id)
            elif score is not None:
                scores.append(score)
    except BuildError as error:
        sys.exit(str(error))
    seconds = time.perf_counter() - start
    print(f'{written} heatmaps written, {skipped} already there, in '
          f'{seconds:.1f} s -> {out}')

    if check_images:
        in_table = set(table)
        without_gaze = sorted(
            p.name[:-len(args.img_suffix)]
            for p in image_dir.glob(f'*{args.img_suffix}')
            if p.name[:-len(args.img_suffix)] not in in_table)
        if without_gaze:
            print(f'{len(without_gaze)} images have no fixations and no '
                  f'heatmap, e.g. {", ".join(without_gaze[:5])}')
    if not has_masks:
        print(f'{mask_dir} not found: no Dice report')
        return
    if missing_masks:
        print(f'{len(missing_masks)} masks missing (not scored), e.g. '
              f'{", ".join(missing_masks[:5])}')
    summary = summarize_dice(scores)
    report = dict(
        fixations=str(args.fixations),
        heatmaps=str(out),
        sigma=args.sigma,
        format=args.format,
        crf=args.crf,
        images=len(table),
        scored=len(scores),
        missing_masks=missing_masks,
        bad_fixation_rows=table.report.counts,
        dice={f'{t:g}': stats
              for t, stats in summary.items()})
    write_json_atomic(out / 'report.json', report)
    print('pseudo-mask Dice against the ground truth (H >= t):')
    print(format_dice_table(summary))
    print(f'report -> {out / "report.json"}')


if __name__ == '__main__':
    from fgi_mmseg.utils.cli import run_tool  # noqa: E402
    run_tool(main)
