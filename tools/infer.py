"""Segment images with a trained model: binary masks and overlays.

    python tools/infer.py IMAGES_OR_FOLDERS... --config CONFIG \\
        --checkpoint CHECKPOINT --out DIR [--device cpu] [--batch-size 8]

Writes ``DIR/masks/<stem>.png`` (0/255, at the image's original size) and
``DIR/overlays/<stem>.jpg`` (the mask blended into the image, contour
drawn). For FGI configs the student runs alone (no teacher, no text).
Files are written atomically and images whose outputs exist are skipped
(unless ``--force``), so a rerun continues where a killed run stopped.
"""
import argparse
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.config import DictAction
from tqdm import tqdm

from fgi_mmseg.apis import ImageReadError, inference_model, init_model
from fgi_mmseg.utils.cli import run_tool
from fgi_mmseg.utils.io import atomic_write
from fgi_mmseg.visualization import draw_overlay

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')
JPEG_QUALITY = 95


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Segment images: binary masks and overlays')
    parser.add_argument(
        'images', nargs='+', help='image files and/or folders of images')
    parser.add_argument('--config', required=True, help='config file')
    parser.add_argument('--checkpoint', required=True, help='checkpoint')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--batch-size', type=int, default=8, help='images per forward')
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.5,
        help='opacity of the mask colour in the overlays, in [0, 1]')
    parser.add_argument(
        '--force',
        action='store_true',
        help='redo images whose outputs exist')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error('--batch-size must be at least 1')
    if not 0 <= args.opacity <= 1:
        parser.error('--opacity must be in [0, 1]')
    return args


def collect_images(sources: Sequence[str]) -> List[Path]:
    """Image files of ``sources``: files as given, folders' images sorted.

    Args:
        sources (Sequence[str]): Files and folders (not searched
            recursively).

    Returns:
        list[Path]: The images, without duplicates.

    Raises:
        FileNotFoundError: A source does not exist, or a folder holds no
            image.
        ValueError: Two images share a file stem (their outputs would
            collide).
    """
    images: List[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            found = sorted(
                p for p in source.iterdir()
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise FileNotFoundError(
                    f'no {"/".join(IMAGE_SUFFIXES)} image in "{source}"')
            images.extend(found)
        elif source.is_file():
            images.append(source)
        else:
            raise FileNotFoundError(f'"{source}" does not exist')
    images = list(dict.fromkeys(p.resolve() for p in images))
    stems = {}
    for path in images:
        if path.stem in stems:
            raise ValueError(f'"{stems[path.stem]}" and "{path}" would both '
                             f'be written as "{path.stem}"')
        stems[path.stem] = path
    return images


def output_paths(out_dir: Path, image: Path) -> Tuple[Path, Path]:
    """The mask and overlay files of ``image``."""
    return (out_dir / 'masks' / f'{image.stem}.png',
            out_dir / 'overlays' / f'{image.stem}.jpg')


def _write_image(path: Path, image: np.ndarray, *params: int) -> None:
    ok, encoded = cv2.imencode(path.suffix, image, list(params))
    if not ok:
        raise RuntimeError(f'cannot encode "{path}"')
    atomic_write(path, lambda f: f.write(encoded.tobytes()))


def save_outputs(out_dir: Path, image_path: Path, mask: np.ndarray,
                 opacity: float) -> None:
    """Write the mask and the overlay of one image, atomically."""
    mask_file, overlay_file = output_paths(out_dir, image_path)
    image = mmcv.imread(str(image_path))  # loaded by the model just now
    _write_image(mask_file, (mask > 0).astype(np.uint8) * 255)
    _write_image(overlay_file, draw_overlay(image, mask, opacity),
                 cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY)


def infer_each(model, batch: Sequence[Path],
               failures: List[ImageReadError]) -> List[tuple]:
    """``(path, result)`` of the readable images of a batch; an unreadable
    image is added to ``failures`` and the rest of its batch still runs."""
    try:
        return list(zip(batch, inference_model(model,
                                               [str(p) for p in batch])))
    except ImageReadError as error:
        if len(batch) == 1:
            failures.append(error)
            return []
    return [pair for path in batch
            for pair in infer_each(model, [path], failures)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        images = collect_images(args.images)
    except (FileNotFoundError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    out_dir = Path(args.out)
    todo = images if args.force else [
        p for p in images
        if not all(f.exists() for f in output_paths(out_dir, p))
    ]
    if len(todo) < len(images):
        print(f'Skipping {len(images) - len(todo)} of {len(images)} images '
              'whose outputs exist (--force redoes them)')
    if not todo:
        return 0
    for folder in ('masks', 'overlays'):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    failures: List[ImageReadError] = []
    with tqdm(total=len(todo), unit='img', desc='infer') as progress:
        for start in range(0, len(todo), args.batch_size):
            batch = todo[start:start + args.batch_size]
            for path, result in infer_each(model, batch, failures):
                mask = result.pred_sem_seg.data[0].cpu().numpy()
                save_outputs(out_dir, path, mask, args.opacity)
            progress.update(len(batch))
    print(f'Wrote {len(todo) - len(failures)} masks and overlays to '
          f'{out_dir}')
    if failures:
        for error in failures:
            print(f'error: {error}', file=sys.stderr)
        print(f'error: {len(failures)} of {len(todo)} images could not be '
              'read (listed above); the others were written', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    run_tool(main)
