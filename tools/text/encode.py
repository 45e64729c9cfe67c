"""Encode a descriptions file into per-image text embeddings (method §4).

Reads ``descriptions.jsonl`` (latest record per id), encodes every
successful report with :class:`fgi_mmseg.text.encoder.TextEncoder` and saves
``<out-dir>/<id>.npy`` (``L x C`` float32) atomically as soon as its batch is
done, and the same for the mirrored reports of the three flips in
``<out-dir>/flip_<direction>/`` (flip-consistent text,
:mod:`fgi_mmseg.text.flip`). Ids that already have a complete embedding are skipped, so a killed
run resumes where it stopped; recorded failures are listed and skipped.

Example::

    python tools/text/encode.py data/kvasir-gaze/descriptions.jsonl \\
        --out-dir data/kvasir-gaze/embeddings
"""
import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from fgi_mmseg.text.cache import cached_shapes, remove_leftovers, \
    save_embedding
from fgi_mmseg.text.encoder import DEFAULT_MODEL, TextEncoder
from fgi_mmseg.text.flip import FLIP_DIRECTIONS, flip_variant_dir, \
    mirror_report
from fgi_mmseg.text.records import read_records, unterminated_tail
from fgi_mmseg.utils.cli import run_tool

MAX_LISTED = 20  # failures printed in the summary


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Encode descriptions into per-image text embeddings.')
    parser.add_argument('descriptions', type=Path,
                        help='descriptions.jsonl')
    parser.add_argument('--out-dir', type=Path, required=True,
                        help='folder of <id>.npy embeddings')
    parser.add_argument(
        '--model',
        default=DEFAULT_MODEL,
        help=f"'{DEFAULT_MODEL}' (bundled all-MiniLM-L6-v2, 384-d), a local "
        'model folder, or a hub name in the local cache (roberta-base)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--max-length', type=int, default=64,
                        help='tokens per text, special tokens included')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--no-flip-variants', dest='flip_variants', action='store_false',
        help='skip the mirrored reports (flip_<direction>/<id>.npy) that '
        'flip-consistent training pipelines load')
    return parser.parse_args(argv)


def encode_folder(reports: dict, folder: Path, encoder, args,
                  desc: str) -> tuple:
    """Encode the reports that have no complete embedding in ``folder``.

    Returns:
        ``(encoder, encoded, skipped)``: the encoder (built on first need
        and reused for the next folder) and the counts.
    """
    # Only leftovers of killed runs: encoding a folder from two processes
    # at once is not supported.
    removed = remove_leftovers(folder)
    if removed:
        print(f'{folder}: removed {removed} temporary files of an '
              'interrupted run')
    cached = cached_shapes(folder)
    todo = [i for i in reports if i not in cached]
    print(f'{folder}: {len(reports) - len(todo)} already encoded, '
          f'{len(todo)} to encode')
    if not todo:
        return encoder, 0, len(reports)
    if encoder is None:
        encoder = TextEncoder(
            args.model,
            max_length=args.max_length,
            device=args.device,
            batch_size=args.batch_size)
    widths = {shape[-1] for i, shape in cached.items() if i in reports}
    if widths - {encoder.embed_dim}:
        sys.exit(f'{folder} holds embeddings of width {sorted(widths)} but '
                 f'{encoder!r} gives {encoder.embed_dim}: use another '
                 '--out-dir')
    with tqdm(total=len(todo), desc=desc, unit='report') as bar:
        for first in range(0, len(todo), args.batch_size):
            ids = todo[first:first + args.batch_size]
            features = encoder.encode([reports[i] for i in ids])
            # Saved per batch, so a kill loses at most one batch.
            for sample_id, array in zip(ids, features):
                save_embedding(folder, sample_id, array)
            bar.update(len(ids))
    return encoder, len(todo), len(reports) - len(todo)


def main(argv=None) -> None:
    args = parse_args(argv)
    start = time.perf_counter()
    if not args.descriptions.is_file():
        sys.exit(f'{args.descriptions}: descriptions file not found')
    records = read_records(args.descriptions)
    torn = unterminated_tail(args.descriptions)
    if torn:
        print(f'{args.descriptions}: ignored an unterminated last line '
              f'({torn} bytes, an interrupted describe run; rerun '
              'tools/text/describe.py to redo that sample)')
    reports = {i: r.report for i, r in records.items() if r.ok}
    failures = {i: r.error for i, r in records.items() if not r.ok}
    print(f'{args.descriptions}: {len(records)} records, {len(reports)} '
          f'reports, {len(failures)} recorded failures (skipped)')
    for sample_id, error in list(failures.items())[:MAX_LISTED]:
        print(f'  failed {sample_id}: {error}')
    if len(failures) > MAX_LISTED:
        print(f'  ... and {len(failures) - MAX_LISTED} more failures')

    encoder = None
    encoded = skipped = 0
    for direction in (None, ) + (FLIP_DIRECTIONS if args.flip_variants
                                 else ()):
        folder = Path(flip_variant_dir(str(args.out_dir), direction))
        texts = reports if direction is None else {
            i: mirror_report(r, direction) for i, r in reports.items()}
        encoder, done, cached = encode_folder(
            texts, folder, encoder, args,
            'encoding' if direction is None else f'flip {direction}')
        encoded, skipped = encoded + done, skipped + cached

    shapes = {i: s for i, s in cached_shapes(args.out_dir).items()
              if i in reports}
    lengths = sorted(s[0] for s in shapes.values())
    widths = sorted({s[1] for s in shapes.values()})
    print(f'encoded {encoded}, skipped {skipped} cached, '
          f'{len(failures)} failures; {len(shapes)} of {len(reports)} '
          f'reports have embeddings in {args.out_dir}' +
          (' (and its flip_*/ variants)' if args.flip_variants else ''))
    if lengths:
        print(f'shapes: L in [{lengths[0]}, {lengths[-1]}] (median '
              f'{lengths[len(lengths) // 2]}), C = '
              f'{", ".join(map(str, widths))}'
              + (f' ({encoder!r})' if encoder else ''))
    print(f'done in {time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    run_tool(main)
