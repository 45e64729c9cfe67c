"""Dataset integrity checks, like nnU-Net's ``--verify_dataset_integrity``.

Training only finds a broken file when a worker happens to load it, possibly
hours into a run, and a mask of the wrong size or with soft labels may never
raise at all. :func:`verify_dataset` reads every file of a split once and
reports every problem it finds; :func:`check_split_overlap` finds samples
listed in more than one split. ``tools/misc/verify_dataset.py`` runs both on
the datasets of a config.
"""
import copy
import os.path as osp
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple, Union

import cv2
import numpy as np
from mmengine.dataset import BaseDataset
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from PIL import Image
from tqdm import tqdm

from fgi_mmseg.gaze import load_heatmap
from fgi_mmseg.gaze.heatmap import heatmap_scale_problem
from fgi_mmseg.text.flip import FLIP_DIRECTIONS, flip_variant_path
from fgi_mmseg.utils.sample_files import (UnreadableFileError,
                                          embedding_problem, read_embedding,
                                          read_image)
from .gaze_seg_dataset import GazeSegDataset

# Mask formats that store pixels exactly; any other value than the two
# labels is a real defect there, not a compression artefact.
LOSSLESS_MASK_SUFFIXES = ('.png', '.bmp', '.tif', '.tiff')
JPEG_SUFFIXES = ('.jpg', '.jpeg')
BINARY_VALUE_SETS = ({0, 1}, {0, 255})
# JPEG rounds a 0/255 mask into values near 0 and 255 (Kvasir-SEG's masks
# hold only 0-8 and 246-255) and rings along edges, so a few mid-gray pixels
# in a thin band around the lesion are expected. A soft, blurred or
# probability mask, or an image saved as a mask, has a large share of them;
# 2% leaves room for the boundary band of small or ragged lesions.
JPEG_MID_RANGE = (32, 223)  # exclusive bounds of "mid-gray"
JPEG_MAX_MID_FRACTION = 0.02
# Errors that mean the split file itself is unusable (missing, empty);
# they become a problem of the split rather than a traceback.
SPLIT_FILE_ERRORS = (FileNotFoundError, ValueError)

DatasetLike = Union[Mapping, BaseDataset]
GRAYSCALE_MESSAGE = ('a grayscale image (1 channel) where the pipeline loads '
                     "colour (LoadImageFromFile color_type='color')")
# Per-sample path fields whose files training opens.
PATH_FIELDS = ('img_path', 'seg_map_path', 'heatmap_path', 'text_embed_path')


@dataclass(frozen=True)
class PipelineNeeds:
    """What a pipeline asks of a sample's files beyond their paths.

    Args:
        colour (bool): Images are loaded in colour (mmcv's default).
        flip_variants (bool): ``LoadTextEmbedding(flip_variants=True)``:
            the embeddings of the three mirrored reports must exist.
    """

    colour: bool = False
    flip_variants: bool = False


def _transform_type(transform) -> str:
    kind = transform.get('type') if isinstance(transform, Mapping) \
        else type(transform)
    return getattr(kind, '__name__', kind)


def _option(transform, key: str, default):
    if isinstance(transform, Mapping):
        return transform.get(key, default)
    return getattr(transform, key, default)


def _walk(transforms) -> list:
    """The transforms and those nested in wrappers (CachedTransforms,
    RandomChoice...), as configs or as built objects."""
    found = []
    for transform in transforms or []:
        found.append(transform)
        nested = _option(transform, 'transforms', None)
        if isinstance(nested, (list, tuple)):
            found += _walk(nested)
    return found


def _transforms_of(dataset) -> list:
    pipeline = getattr(dataset, 'pipeline', None)
    return list(getattr(pipeline, 'transforms', None) or [])


def pipeline_needs(pipeline) -> PipelineNeeds:
    """Read :class:`PipelineNeeds` from a pipeline (configs or objects)."""
    transforms = _walk(pipeline)
    return PipelineNeeds(
        colour=any(
            _transform_type(t) == 'LoadImageFromFile'
            and _option(t, 'color_type', 'color') == 'color'
            for t in transforms),
        flip_variants=any(
            _transform_type(t) == 'LoadTextEmbedding'
            and bool(_option(t, 'flip_variants', False))
            for t in transforms))


@dataclass(frozen=True)
class Problem:
    """One defect found in a dataset.

    Args:
        split (str): Name of the checked dataset, e.g. 'train'.
        sample_id (str): The sample's id; '' for a problem of the split.
        field (str): The data info key of the file, e.g. 'heatmap_path',
            or 'ann_file' for the split file.
        path (str): The offending file.
        message (str): What is wrong.
    """

    split: str
    sample_id: str
    field: str
    path: str
    message: str

    @property
    def detail(self) -> str:
        """The problem without its split, for output grouped by split."""
        sample = f'sample "{self.sample_id}": ' if self.sample_id else ''
        return f'{sample}{self.field} "{self.path}": {self.message}'

    def __str__(self) -> str:
        return f'{self.split}: {self.detail}' if self.split else self.detail


def build_unchecked_dataset(dataset_cfg: Mapping) -> BaseSegDataset:
    """Build a dataset from its config without its pipeline or file checks.

    :class:`GazeSegDataset` gets ``check_files=False`` so that missing files
    are reported one by one instead of aborting the construction.

    Args:
        dataset_cfg (Mapping): A dataset config, e.g. a dataloader's
            ``dataset``.

    Returns:
        BaseSegDataset: The dataset.

    Raises:
        FileNotFoundError: If the split file is missing.
        ValueError: If the split file lists no ids.
        TypeError: If the config is not a segmentation dataset (dataset
            wrappers are not supported).
    """
    cfg = copy.deepcopy(dict(dataset_cfg))
    cfg['pipeline'] = []
    dataset_type = cfg.get('type')
    dataset_cls = dataset_type if isinstance(dataset_type, type) \
        else DATASETS.get(dataset_type)
    if dataset_cls is None:
        raise KeyError(f'dataset type {dataset_type!r} is not registered')
    if not issubclass(dataset_cls, BaseSegDataset):
        raise TypeError(f'{dataset_type}: only segmentation datasets can be '
                        'verified, not dataset wrappers')
    if issubclass(dataset_cls, GazeSegDataset):
        cfg['check_files'] = False
    return DATASETS.build(cfg)


def verify_dataset(dataset_cfg: DatasetLike, name: str = '') -> List[Problem]:
    """Read every file of a dataset once and report all problems.

    Checked: each listed file exists and decodes (image, mask as grayscale,
    heatmap with :func:`fgi_mmseg.gaze.load_heatmap`, embedding with
    ``np.load``); masks and heatmaps have the image's height and width;
    masks are binary (see ``JPEG_MAX_MID_FRACTION`` for JPEG masks);
    heatmaps lie in [0, 1] and reach about 1; embeddings are non-empty,
    finite 2-D float arrays of one width (samples off the most common width
    are reported); no id is listed twice. What the pipeline asks for is
    checked too: the embeddings of the mirrored reports when it loads flip
    variants, and colour images when it loads colour.

    Args:
        dataset_cfg (Mapping | BaseDataset): A dataset config, built with
            :func:`build_unchecked_dataset`, or a dataset built that way.
        name (str): Split name to put in the problems. Defaults to ''.

    Returns:
        list[Problem]: Every problem found, in sample order.
    """
    if isinstance(dataset_cfg, Mapping):
        needs = pipeline_needs(dataset_cfg.get('pipeline') or [])
        try:
            dataset = build_unchecked_dataset(dataset_cfg)
        except SPLIT_FILE_ERRORS as err:
            return [_split_file_problem(dataset_cfg, name, err)]
    else:
        dataset = dataset_cfg
        needs = pipeline_needs(_transforms_of(dataset))

    problems: List[Problem] = []
    widths: List[Tuple[str, str, int]] = []
    counts = Counter()
    for idx in tqdm(
            range(len(dataset)),
            desc=f'verify {name}'.strip(),
            unit='sample',
            disable=None):
        info = dataset.get_data_info(idx)
        sample_id = _sample_id(info)
        counts[sample_id] += 1
        if counts[sample_id] > 1:
            continue  # listed again: its files are already checked
        problems += _check_sample(info, name, sample_id, widths, needs)

    problems += _width_problems(widths, name)
    problems += [
        Problem(name, sample_id, 'ann_file', str(dataset.ann_file),
                f'listed {count} times')
        for sample_id, count in counts.items() if count > 1
    ]
    return problems


def quick_check(dataset: BaseDataset, name: str = '') -> List[Problem]:
    """The cheap part of :func:`verify_dataset`, for training to run first.

    Every file a sample's pipeline opens exists and is not empty (the flip
    variants of its embedding too, if the pipeline loads them), and its
    mask and heatmap have the image's size, read from the file headers
    without decoding. On Kvasir's 900 train and val samples this takes
    about a second, where a missing file or a val mask of another size
    would otherwise stop training at the first batch that holds it, or at
    the first validation.

    Args:
        dataset (BaseDataset): A built dataset (its pipeline says what is
            loaded).
        name (str): Split name to put in the problems.

    Returns:
        list[Problem]: Every problem found, in sample order.
    """
    needs = pipeline_needs(_transforms_of(dataset))
    problems = []
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        sample_id = _sample_id(info)
        paths = {f: info[f] for f in PATH_FIELDS if info.get(f)}
        paths.update({f'text_embed_path ({d} flip)': path
                      for d, path in _flip_variants(info, needs)})
        sizes = {}
        for field, path in paths.items():
            if not osp.isfile(path):
                message = 'file not found'
            elif osp.getsize(path) == 0:
                message = 'empty file'
            else:
                message = None
                if field in ('img_path', 'seg_map_path', 'heatmap_path'):
                    sizes[field] = _header_size(path)
            if message:
                problems.append(
                    Problem(name, sample_id, field, str(path), message))
        image_size = sizes.pop('img_path', None)
        for field, size in sizes.items():
            if image_size and size and size != image_size:
                problems.append(
                    Problem(
                        name, sample_id, field, str(paths[field]),
                        f'size {size} differs from the image size '
                        f'{image_size}'))
    return problems


def _header_size(path: str) -> Optional[Tuple[int, int]]:
    """(height, width) from the file's header; None if unreadable there
    (:func:`verify_dataset` decodes the file and says why)."""
    try:
        if path.lower().endswith('.npy'):
            return tuple(np.load(path, mmap_mode='r').shape[:2])
        with Image.open(path) as image:
            return image.size[::-1]
    except (OSError, ValueError, SyntaxError):
        return None


def check_split_overlap(
        named_datasets: Mapping[str, DatasetLike]) -> List[Problem]:
    """Report ids listed in more than one split (train/val/test leakage).

    Ids are compared among datasets with the same ``data_root`` only, since
    equal ids under different roots are different images. Datasets that
    read the same split file (configs often set ``test_dataloader =
    val_dataloader``) are one split, not a leak. Splits whose split file is
    unusable are skipped (:func:`verify_dataset` reports them).

    Args:
        named_datasets (Mapping[str, Mapping | BaseDataset]): Split name to
            dataset config or dataset, in the order to report (an id is
            reported in every split after the first that lists it).

    Returns:
        list[Problem]: One problem per id and later split.
    """
    by_root: Dict[str, List[Tuple[str, str, List[str]]]] = defaultdict(list)
    for name, dataset in named_datasets.items():
        if isinstance(dataset, Mapping):
            try:
                dataset = build_unchecked_dataset(dataset)
            except SPLIT_FILE_ERRORS:
                continue
        ids = [
            _sample_id(dataset.get_data_info(i)) for i in range(len(dataset))
        ]
        root = osp.abspath(dataset.data_root or '')
        by_root[root].append((name, osp.abspath(dataset.ann_file), ids))

    problems = []
    for splits in by_root.values():
        first_split: Dict[str, Tuple[str, str]] = {}
        split_files = set()
        for name, ann_file, ids in splits:
            if ann_file in split_files:
                continue
            split_files.add(ann_file)
            for sample_id in dict.fromkeys(ids):  # unique, in order
                if sample_id not in first_split:
                    first_split[sample_id] = (name, ann_file)
                    continue
                other, other_file = first_split[sample_id]
                problems.append(
                    Problem(name, sample_id, 'ann_file', ann_file,
                            f'also listed in split "{other}" ({other_file})'))
    return problems


def _split_file_problem(dataset_cfg: Mapping, name: str,
                        err: Exception) -> Problem:
    """A problem for a split file that could not be read."""
    ann_file = osp.join(
        dataset_cfg.get('data_root') or '',
        dataset_cfg.get('ann_file') or '')
    return Problem(name, '', 'ann_file', ann_file, str(err))


def _sample_id(info: dict) -> str:
    """``sample_id`` of a GazeSegDataset info, else the image's stem."""
    if 'sample_id' in info:
        return info['sample_id']
    return osp.splitext(osp.basename(info['img_path']))[0]


def _check_sample(info: dict, name: str, sample_id: str,
                  widths: List[Tuple[str, str, int]],
                  needs: 'PipelineNeeds') -> List[Problem]:
    """All problems of one sample; appends its embedding width to
    ``widths``, which can only be judged across the dataset."""
    problems = []

    def report(field: str, message: str, path: str = None) -> None:
        problems.append(
            Problem(name, sample_id, field, path or str(info[field]),
                    message))

    def load(field: str, loader, *args) -> Optional[np.ndarray]:
        if field not in info:
            return None
        try:
            return loader(info[field], *args)
        except UnreadableFileError as err:
            report(field, str(err))
            return None

    def check_embedding(embed: np.ndarray, path: str) -> bool:
        message = embedding_problem(embed)
        if message:
            report('text_embed_path', message, path)
        return message is None

    image = load('img_path', read_image, cv2.IMREAD_UNCHANGED)
    # Grayscale, as LoadBinaryAnnotations reads masks: a colour mask then
    # shows up as non-binary values.
    mask = load('seg_map_path', read_image, cv2.IMREAD_GRAYSCALE)
    heatmap = load('heatmap_path', _read_heatmap)
    embed = load('text_embed_path', read_embedding)

    if image is not None and needs.colour and _channels(image) == 1:
        report('img_path', GRAYSCALE_MESSAGE)
    if mask is not None:
        message = _mask_value_problem(mask, info['seg_map_path'])
        if message:
            report('seg_map_path', message)
    if heatmap is not None:
        # load_heatmap ensures this today; checked so that the tool keeps
        # its promise whatever the loader becomes.
        in_range = np.all(np.isfinite(heatmap)) and heatmap.min() >= 0 \
            and heatmap.max() <= 1
        if not in_range:
            report('heatmap_path', 'values outside [0, 1]')
        scale = heatmap_scale_problem(heatmap)
        if scale:
            report('heatmap_path', scale)
    # Pseudo-masks and metrics assume pixel-for-pixel alignment.
    for field, array in dict(seg_map_path=mask, heatmap_path=heatmap).items():
        if image is not None and array is not None and \
                array.shape[:2] != image.shape[:2]:
            report(
                field, f'size {array.shape[:2]} differs from the image size '
                f'{image.shape[:2]}')
    if embed is not None and check_embedding(embed, info['text_embed_path']):
        widths.append((sample_id, info['text_embed_path'], embed.shape[1]))
    for _, path in _flip_variants(info, needs):
        try:
            variant = read_embedding(path)
        except UnreadableFileError as err:
            report('text_embed_path', f'flip variant: {err} (run '
                   'tools/text/encode.py, which writes flip_*/)', path)
            continue
        if check_embedding(variant, path):
            widths.append((sample_id, path, variant.shape[1]))
    return problems


def _flip_variants(info: dict, needs: PipelineNeeds) -> List[Tuple[str, str]]:
    """(direction, path) of the mirrored embeddings a sample's pipeline
    loads; none if it loads no flip variants or the sample has no text."""
    if not (needs.flip_variants and info.get('text_embed_path')):
        return []
    return [(d, flip_variant_path(info['text_embed_path'], d))
            for d in FLIP_DIRECTIONS]


def _channels(image: np.ndarray) -> int:
    return 1 if image.ndim == 2 else image.shape[2]


def _read_heatmap(path: str) -> np.ndarray:
    try:
        return load_heatmap(path)
    except FileNotFoundError as err:
        raise UnreadableFileError('file not found') from err
    except (OSError, ValueError, cv2.error) as err:
        # load_heatmap's messages start with the path, which the problem
        # names already.
        message = str(err).replace(f'{Path(path)}: ', '', 1)
        raise UnreadableFileError(message) from err


def _mask_value_problem(mask: np.ndarray, path: str) -> Optional[str]:
    """Why an 8-bit grayscale mask is not binary, or None."""
    hist = np.bincount(mask.ravel(), minlength=256)
    if osp.splitext(path)[1].lower() in JPEG_SUFFIXES:
        low, high = JPEG_MID_RANGE
        fraction = hist[low + 1:high].sum() / mask.size
        if fraction > JPEG_MAX_MID_FRACTION:
            return (f'not binary: {fraction:.1%} of the pixels lie strictly '
                    f'between {low} and {high} (a JPEG mask may have at most '
                    f'{JPEG_MAX_MID_FRACTION:.0%})')
        return None
    values = set(np.flatnonzero(hist).tolist())
    if any(values <= allowed for allowed in BINARY_VALUE_SETS):
        return None
    shown = ', '.join(str(value) for value in sorted(values)[:8])
    if len(values) > 8:
        shown += ', ...'
    return (f'not binary: values {{{shown}}} (a lossless mask must hold '
            'only 0/1 or 0/255)')


def _width_problems(widths: List[Tuple[str, str, int]],
                    name: str) -> List[Problem]:
    """Report embeddings whose width differs from the most common one."""
    counts = Counter(width for _, _, width in widths)
    if len(counts) < 2:
        return []
    common, count = counts.most_common(1)[0]
    return [
        Problem(
            name, sample_id, 'text_embed_path', path,
            f'width {width} differs from the most common width {common} '
            f'({count} of {len(widths)} embeddings)')
        for sample_id, path, width in widths if width != common
    ]
