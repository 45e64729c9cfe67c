"""Export a dataset config to nnU-Net's raw dataset layout.

nnU-Net sees exactly what our methods see: the images resized as the
config's training pipeline resizes them, the training labels that pipeline
gives (the comprehensive gaze pseudo-mask ``H >= t_comp``, or ground truth
for the fully supervised upper bound), and our train/val split as fold 0.

.. code-block:: none

    <out>/Dataset<id>_<name>/
        imagesTr/<id>_0000.png   train + val images (RGB, protocol size)
        labelsTr/<id>.png        their training labels (0/1)
        imagesTs/<id>_0000.png   test images (scored later against our
                                 ground truth at the original size)
        dataset.json             channels, labels, NaturalImage2DIO
        splits_final.json        fold 0 = our train / val ids
        fgi_export.json          config, label, ids (written last: the
                                 export is complete)

A gaze export never loads a mask: its pipeline has no
``LoadBinaryAnnotations`` (one in the config's pipeline is dropped), so the
ground truth cannot reach nnU-Net's training labels.
"""
import copy
import json
import os
import os.path as osp
from typing import Dict, List, Sequence

import cv2
import numpy as np
from mmcv.transforms import Compose
from mmengine.config import Config
from mmseg.registry import TRANSFORMS

from fgi_mmseg.datasets.verify import build_unchecked_dataset
from fgi_mmseg.utils.errors import UserFacingError
from fgi_mmseg.utils.io import atomic_write, write_json_atomic

LABELS = ('gaze', 'full')
EXPORT_FILE = 'fgi_export.json'
# The transforms of a training pipeline that an export runs: loading and
# the protocol's resize. Random or model-side ones are left out.
_KEEP = {'LoadImageFromFile', 'LoadGazeHeatmap', 'SegFieldsResize',
         'GazeResize', 'Resize'}
_DROP = {'LoadTextEmbedding', 'LoadBinaryAnnotations', 'SegFieldsRandomFlip',
         'GazeRandomFlip',
         'RandomFlip', 'PackGazeSegInputs', 'PackSegInputs'}
_MASKS = dict(type='LoadBinaryAnnotations')
# The label each export trains nnU-Net on (LoadGazeHeatmap's comprehensive
# mask, LoadBinaryAnnotations' ground truth).
LABEL_FIELD = dict(gaze='gt_comp_seg', full='gt_seg_map')


class ExportError(UserFacingError, ValueError):
    """A config or output folder that cannot be exported to."""


def _flatten(pipeline: Sequence[dict]) -> List[dict]:
    """The transforms of ``pipeline``, cached groups opened."""
    flat = []
    for t in pipeline:
        if 'transforms' in t:
            flat.extend(_flatten(t['transforms']))
        else:
            flat.append(dict(t))
    return flat


def export_pipeline(train_pipeline: Sequence[dict], label: str) -> List[dict]:
    """The deterministic head of a training pipeline, for one export.

    Args:
        train_pipeline (Sequence[dict]): The config's training pipeline.
        label (str): ``'gaze'`` or ``'full'``; ``'full'`` loads the masks
            before the resize, as ``train_pipeline_full`` does.

    Returns:
        list[dict]: Transform configs: load image, load heatmap (and masks),
        resize.

    Raises:
        ExportError: For a transform the export does not know, or a
            pipeline without a heatmap loader or a resize.
    """
    if label not in LABELS:
        raise ExportError(f'label must be one of {LABELS}, got {label!r}')
    kept = []
    for t in _flatten(train_pipeline):
        kind = t.get('type')
        if kind in _DROP:
            continue
        if kind not in _KEEP:
            raise ExportError(
                f'train pipeline: transform {kind!r} is not one the nnU-Net '
                f'export knows (it runs {sorted(_KEEP)} and leaves out '
                f'{sorted(_DROP)})')
        if kind == 'LoadGazeHeatmap' and label == 'full':
            kept += [t, dict(_MASKS)]
        else:
            kept.append(t)
    kinds = [t['type'] for t in kept]
    if 'LoadGazeHeatmap' not in kinds:
        raise ExportError('train pipeline: no LoadGazeHeatmap, so there is '
                          'no gaze pseudo-mask to export')
    if not {'SegFieldsResize', 'GazeResize', 'Resize'} & set(kinds):
        raise ExportError('train pipeline: no resize; the export writes '
                          'images at the size the protocol trains on')
    return kept


def _split_datasets(cfg: Config) -> Dict[str, dict]:
    """``{'train'|'val'|'test': dataset config}`` of the config."""
    splits = {}
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not loader or not loader.get('dataset'):
            raise ExportError(f'config: no {split}_dataloader.dataset')
        splits[split] = copy.deepcopy(loader['dataset'])
    return splits


def _case_id(info: dict) -> str:
    return osp.splitext(osp.basename(info['img_path']))[0]


def _write_png(path: str, array: np.ndarray) -> None:
    """Write ``array`` (BGR image or label map) as a PNG, atomically."""
    if osp.isfile(path) and osp.getsize(path) > 0:
        return  # written by an interrupted export of the same config
    ok, data = cv2.imencode('.png', array)
    if not ok:
        raise ExportError(f'{path}: could not encode a PNG')
    atomic_write(path, lambda f: f.write(data.tobytes()))


def _dataset_json(name: str, num_channels: int, num_training: int,
                  description: str) -> dict:
    channels = ['R', 'G', 'B'] if num_channels == 3 else \
        [f'channel{i}' for i in range(num_channels)]
    return dict(
        name=name,
        description=description,
        channel_names={str(i): c for i, c in enumerate(channels)},
        labels=dict(background=0, lesion=1),
        numTraining=num_training,
        file_ending='.png',
        overwrite_image_reader_writer='NaturalImage2DIO')


def dataset_folder(out_root: str, dataset_id: int, name: str) -> str:
    """nnU-Net's folder name of a raw dataset, ``Dataset<id>_<name>``."""
    if not 1 <= dataset_id <= 999:
        raise ExportError(f'dataset id must be in 1..999 (nnU-Net), got '
                          f'{dataset_id}')
    return osp.join(out_root, f'Dataset{dataset_id:03d}_{name}')


def export_nnunet(cfg: Config, label: str, out_root: str,
                  dataset_id: int = 501, name: str = '') -> str:
    """Write the nnU-Net raw dataset of ``cfg`` with ``label`` training
    labels; see the module docstring for the layout.

    Files already written by an interrupted export of the same config and
    label are kept; a complete export (its ``fgi_export.json``) of the same
    config and label is returned as it is.

    Args:
        cfg (Config): A method or dataset config with train, val and test
            dataloaders.
        label (str): ``'gaze'`` (the comprehensive pseudo-mask at the
            config's ``t_comp``) or ``'full'`` (ground truth).
        out_root (str): nnU-Net's raw folder (``nnUNet_raw``).
        dataset_id (int): nnU-Net's dataset id.
        name (str): Dataset name; default ``<dataset type>_<label>``.

    Returns:
        str: The dataset folder.

    Raises:
        ExportError: For an unusable config, or a folder holding another
            export.
    """
    splits = _split_datasets(cfg)
    pipeline = export_pipeline(splits['train']['pipeline'], label)
    kind = splits['train']['type']
    name = name or f'{kind if isinstance(kind, str) else kind.__name__}' \
        f'_{label}'
    folder = dataset_folder(out_root, dataset_id, name)
    ids = {split: [_case_id(d) for d in build_unchecked_dataset(ds)]
           for split, ds in splits.items()}
    # As read back from JSON (tuples become lists), to compare with a
    # previous export's record.
    manifest = json.loads(json.dumps(dict(
        config=cfg.filename, label=label, pipeline=pipeline, ids=ids)))
    record = osp.join(folder, EXPORT_FILE)
    if osp.isfile(record):
        with open(record) as f:
            done = json.load(f)
        if {k: done.get(k) for k in ('label', 'pipeline', 'ids')} != \
                {k: manifest[k] for k in ('label', 'pipeline', 'ids')}:
            raise ExportError(
                f'{record}: the folder holds another export (label '
                f'{done.get("label")!r}, {done.get("config")}); choose '
                'another --out or dataset id')
        return folder
    for sub in ('imagesTr', 'labelsTr', 'imagesTs'):
        os.makedirs(osp.join(folder, sub), exist_ok=True)
    channels = _export_training(splits, pipeline, label, folder)
    _export_test(splits['test'], pipeline, folder)
    overlap = set(ids['train']) & set(ids['val'])
    if overlap:
        raise ExportError(f'train and val share ids, e.g. '
                          f'{sorted(overlap)[0]}')
    threshold = next(t for t in pipeline
                     if t['type'] == 'LoadGazeHeatmap').get('t_comp', 0.3)
    what = f'comprehensive gaze pseudo-mask H >= {threshold}' \
        if label == 'gaze' else 'ground-truth masks'
    write_json_atomic(
        osp.join(folder, 'dataset.json'),
        _dataset_json(name, channels, len(ids['train']) + len(ids['val']),
                      f'fgi_mmseg export of {cfg.filename}; training '
                      f'labels: {what}'))
    write_json_atomic(osp.join(folder, 'splits_final.json'),
                      [dict(train=ids['train'], val=ids['val'])])
    write_json_atomic(record, manifest)
    return folder


def _samples(dataset_cfg: dict, pipeline: List[dict]):
    """``(case id, results)`` of every sample through ``pipeline``."""
    dataset = build_unchecked_dataset(dataset_cfg)
    transforms = Compose(
        [TRANSFORMS.build(t) for t in copy.deepcopy(pipeline)])
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        yield _case_id(info), transforms(copy.deepcopy(info))


def _export_training(splits: Dict[str, dict], pipeline: List[dict],
                     label: str, folder: str) -> int:
    """Images and labels of the train and val splits; returns the number
    of image channels."""
    field = LABEL_FIELD[label]
    channels = 3
    for split in ('train', 'val'):
        for case, results in _samples(splits[split], pipeline):
            image = results['img']
            channels = 1 if image.ndim == 2 else image.shape[2]
            target = np.asarray(results[field], dtype=np.uint8)
            if target.max(initial=0) > 1:
                raise ExportError(f'{case}: {field} holds values other than '
                                  '0 and 1; nnU-Net labels are 0/1')
            _write_png(osp.join(folder, 'imagesTr', f'{case}_0000.png'),
                       image)
            _write_png(osp.join(folder, 'labelsTr', f'{case}.png'), target)
    return channels


def _export_test(dataset_cfg: dict, pipeline: List[dict],
                 folder: str) -> None:
    """The test images, loaded and resized like the training ones (the
    heatmap loader is not needed)."""
    images_only = [t for t in pipeline if t['type'] not in
                   ('LoadGazeHeatmap', 'LoadBinaryAnnotations')]
    for case, results in _samples(dataset_cfg, images_only):
        _write_png(osp.join(folder, 'imagesTs', f'{case}_0000.png'),
                   results['img'])
