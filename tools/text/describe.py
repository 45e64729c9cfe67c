"""Describe every image of a dataset into ``descriptions.jsonl``.

Each id gets one validated report (method §4) from the chosen describer,
appended as soon as it is ready. Rerunning skips ids already described, so
an interrupted run simply resumes; ids whose latest record is a failure are
skipped too unless ``--retry-failed`` is given (failures stay in the file,
a new record for the id is appended, and the latest record wins).

Relative ``--split``, ``--images`` and ``--heatmaps`` paths are relative to
``data_root``; pass absolute paths for folders elsewhere. ``--out`` is an
ordinary path (default ``<data_root>/descriptions.jsonl``). The exit status
is 0 when every requested id has a valid description, 1 when some do not,
and 2 on a usage or configuration error.

Examples::

    # offline, from the gaze heatmaps
    python tools/text/describe.py data/demo --img-suffix .png --describer gaze
    # Kvasir-SEG with heatmaps stored outside the data root
    python tools/text/describe.py ../shared/data/kvasir-seg \\
        --heatmaps $PWD/data/kvasir-gaze/heatmaps --describer gaze \\
        --out data/kvasir-gaze/descriptions.jsonl
    # any OpenAI-compatible endpoint, 8 requests in flight; the key is read
    # from the variable
    OPENAI_API_KEY=... python tools/text/describe.py DATA --describer openai \\
        --base-url https://api.openai.com/v1 --model gpt-4o-mini --workers 8
    # a local server (vLLM, llama.cpp, ...) that needs no key
    python tools/text/describe.py DATA --describer openai --api-key-env '' \\
        --base-url http://localhost:8000/v1 --model MODEL
"""
import argparse
import logging
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from fgi_mmseg.text import (DESCRIBERS, APIKeyError, DescribeSample,
                            JsonlAppender, RecordFormatError, build_describer,
                            describe_many, read_records)
from fgi_mmseg.utils.cli import run_tool

MAX_LISTED = 20  # failures or missing files printed in full


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Describe images into descriptions.jsonl (resumable)',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('data_root', help='dataset folder')
    parser.add_argument(
        '--split', action='append', dest='splits', metavar='FILE',
        help='split file of ids, repeatable (default: the union of '
        'splits/*.txt, or every image when there is no splits folder)')
    parser.add_argument('--images', default='images', help='image folder')
    parser.add_argument('--img-suffix', default='.jpg', help='image suffix')
    parser.add_argument('--heatmaps', default='gaze/heatmaps',
                        help='gaze heatmap folder (gaze describer)')
    parser.add_argument('--heatmap-suffix', default='.png',
                        help='heatmap suffix')
    parser.add_argument('--describer', default='gaze',
                        choices=sorted(DESCRIBERS), help='describer')
    parser.add_argument(
        '--out', help='output file (default: <data_root>/descriptions.jsonl)')
    parser.add_argument('--retry-failed', action='store_true',
                        help='retry ids whose latest record is a failure')
    parser.add_argument('--workers', '--concurrency', type=int,
                        dest='workers', metavar='N',
                        help='samples at once: requests in flight for '
                        'openai (default: 4 for openai, else 1)')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar')
    group = parser.add_argument_group('openai describer')
    group.add_argument('--base-url', help='API root, e.g. '
                       'http://localhost:8000/v1 (default: $OPENAI_BASE_URL, '
                       'else https://api.openai.com/v1)')
    group.add_argument('--model', help='model name')
    group.add_argument(
        '--api-key-env', default='OPENAI_API_KEY',
        help="environment variable holding the API key ('' for none)")
    group.add_argument('--max-retries', type=int, default=4,
                       help='retries of a failed request, and of an invalid '
                       'reply, after the first attempt')
    group.add_argument('--timeout', type=float, default=60,
                       help='seconds per request')
    group = parser.add_argument_group('gaze and random describers')
    group.add_argument('--threshold', type=float, default=0.5,
                       help='gaze: heatmap level of the described region')
    group.add_argument('--seed', type=int, default=0, help='random: seed')
    return parser.parse_args(argv)


def _under(root: Path, path: str) -> Path:
    """``path`` itself if absolute, else relative to ``root``."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else root / candidate


def read_split(path: Path) -> List[str]:
    """Ids of a split file: one per line, blank lines and '#' ignored."""
    ids = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            ids.append(line)
    return ids


def collect_ids(root: Path, splits: Optional[List[str]], images: Path,
                suffix: str) -> List[str]:
    """Ids to describe, in split-file order, each once."""
    if splits:
        files = [_under(root, s) for s in splits]
    else:
        files = sorted((root / 'splits').glob('*.txt'))
    if files:
        ids: Dict[str, None] = {}
        for file in files:
            if not file.is_file():
                raise FileNotFoundError(f'split file not found: {file}')
            ids.update(dict.fromkeys(read_split(file)))
        return list(ids)
    return sorted(p.name[:-len(suffix)] for p in images.glob(f'*{suffix}'))


def describer_kwargs(args: argparse.Namespace) -> dict:
    """Constructor arguments of the chosen describer."""
    if args.describer == 'openai':
        if not args.model:
            raise ValueError('--describer openai needs --model')
        return dict(base_url=args.base_url, model=args.model,
                    api_key_env=args.api_key_env or None,
                    max_retries=args.max_retries, timeout=args.timeout,
                    concurrency=args.workers or 4)
    if args.describer == 'gaze':
        return dict(threshold=args.threshold)
    if args.describer == 'random':
        return dict(seed=args.seed)
    return {}


def _missing(samples: List[DescribeSample], needs_heatmap: bool) -> List[str]:
    """Paths that do not exist among the samples' inputs."""
    missing = []
    for sample in samples:
        paths = [sample.image_path]
        if needs_heatmap:
            paths.append(sample.heatmap_path)
        missing.extend(p for p in paths if not Path(p).is_file())
    return missing


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format='%(levelname)s %(name)s: %(message)s')
    # One INFO line per request (the openai client's transport) would drown
    # the summary.
    logging.getLogger('httpx2').setLevel(logging.WARNING)

    root = Path(args.data_root).expanduser()
    images = _under(root, args.images)
    heatmaps = _under(root, args.heatmaps)
    out = Path(args.out) if args.out else root / 'descriptions.jsonl'
    try:
        ids = collect_ids(root, args.splits, images, args.img_suffix)
        describer = build_describer(args.describer, **describer_kwargs(args))
    except (FileNotFoundError, ValueError, APIKeyError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if not ids:
        print(f'error: no ids found under {root}', file=sys.stderr)
        return 2

    with describer:
        try:
            appender = JsonlAppender(out)
        except RuntimeError as err:  # another run holds the file
            print(f'error: {err}', file=sys.stderr)
            return 2
        with appender:
            if appender.repaired_bytes:
                print(f'{out}: removed a torn last line '
                      f'({appender.repaired_bytes} bytes) left by an '
                      'interrupted run')
            try:
                existing = read_records(out)
            except RecordFormatError as err:
                print(f'error: {err}', file=sys.stderr)
                return 2
            others = sorted({r.describer for r in existing.values()} -
                            {describer.name})
            if others:
                print(f'error: {out} holds descriptions by {others}, not '
                      f'{describer.name!r}; use another --out',
                      file=sys.stderr)
                return 2

            done = [i for i in ids if i in existing and existing[i].ok]
            failed_before = [i for i in ids
                             if i in existing and not existing[i].ok]
            todo = [i for i in ids if i not in existing or
                    (args.retry_failed and not existing[i].ok)]
            samples = [
                DescribeSample(
                    i, str(images / f'{i}{args.img_suffix}'),
                    str(heatmaps / f'{i}{args.heatmap_suffix}'))
                for i in todo
            ]
            missing = _missing(samples, describer.needs_heatmap)
            if missing:
                # Almost always a wrong folder or suffix: stop before
                # recording hundreds of identical failures.
                print(f'error: {len(missing)} input files are missing, e.g.:',
                      file=sys.stderr)
                for path in missing[:5]:
                    print(f'  {path}', file=sys.stderr)
                print('check --images/--img-suffix/--heatmaps/'
                      '--heatmap-suffix', file=sys.stderr)
                return 2
            summary = describe_many(samples, describer, appender,
                                    concurrency=args.workers,
                                    progress=not args.no_progress)

    final = read_records(out)
    complete = sum(1 for i in ids if i in final and final[i].ok)
    print(f'descriptions: {out} ({describer.name})')
    print(f'described now: {summary.attempted} ({summary.succeeded} ok, '
          f'{len(summary.failures)} failed)')
    skipped_failed = 0 if args.retry_failed else len(failed_before)
    print(f'skipped: {len(done)} already described' +
          (f', {skipped_failed} failed earlier (use --retry-failed)'
           if skipped_failed else ''))
    if summary.failures:
        print('failures:')
        for sample_id, reason in list(summary.failures.items())[:MAX_LISTED]:
            print(f'  {sample_id}: {reason}')
        if len(summary.failures) > MAX_LISTED:
            print(f'  ... and {len(summary.failures) - MAX_LISTED} more '
                  f'(see {out})')
    print(f'{complete}/{len(ids)} ids have a valid description')
    return 0 if complete == len(ids) else 1


if __name__ == '__main__':
    run_tool(main)
