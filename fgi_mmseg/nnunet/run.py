"""One nnU-Net benchmark run: export, plan, train, predict, score.

.. code-block:: none

    run_nnunet(cfg, work_dir)
     ├─ export_nnunet()            work_dir/nnUNet_raw/Dataset<id>_<name>
     ├─ plan_and_preprocess()      nnU-Net's fingerprint and 2D plan; the
     │                             plan's batch size set to the protocol's
     ├─ train()                    nnUNetTrainerFGI, fold 0 = our train/val
     │                             split, the protocol's iterations
     ├─ predict() + score() val    work_dir/val/test_metrics.json
     └─ predict() + score() test   work_dir/test/{test_metrics.json,
                                   per_image.csv}

Every step skips what a previous, interrupted run finished, and training
resumes from its last epoch. nnU-Net's folders (``nnUNet_raw``,
``nnUNet_preprocessed``, ``nnUNet_results``) are set to folders in
``work_dir`` while it runs: nothing is written outside it.

The checkpoint scored is nnU-Net's final one (``checkpoint_final.pth``),
nnU-Net's default for inference. Its ``checkpoint_best.pth`` is chosen by a
pseudo Dice on fold 0's validation labels, which for a gaze export are gaze
pseudo-masks; the other methods select on ground truth. Choosing nnU-Net's
checkpoint on our val split would need a checkpoint per epoch kept and
scored; the final one keeps nnU-Net as its users run it. The validation
Dice against ground truth is still recorded, for the val column.

Predictions are nnU-Net's (sliding window over the one patch of an image,
Gaussian weighting, mirroring test-time augmentation) at the protocol's
size; their class probabilities are resized bilinearly to each image's
original size, as mmseg's segmentors resize logits, and scored there by the
config's test evaluator (``MedicalSegMetric``).
"""
import contextlib
import copy
import json
import os
import os.path as osp
import random
from typing import Dict, Iterator, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import Compose
from mmengine.config import Config
from mmseg.registry import METRICS, TRANSFORMS

from fgi_mmseg.datasets.verify import build_unchecked_dataset
from fgi_mmseg.evaluation.outputs import metrics_file, per_image_file
from fgi_mmseg.utils.io import write_json_atomic
from .export import ExportError, export_nnunet

CONFIGURATION = '2d'
FOLD = 0
PLAN_FILE = 'nnunet_plan.json'


@contextlib.contextmanager
def nnunet_environment(work_dir: str) -> Iterator[Dict[str, str]]:
    """nnU-Net's environment variables pointed inside ``work_dir``.

    Data augmentation runs in this process (``nnUNet_n_proc_DA=0``): worker
    processes would compete with a 2-core step and make runs
    nondeterministic; torch.compile stays off (nnU-Net disables it on a
    CPU anyway). The previous values are restored on exit.
    """
    paths = {name: osp.abspath(osp.join(work_dir, name)) for name in
             ('nnUNet_raw', 'nnUNet_preprocessed', 'nnUNet_results')}
    values = dict(paths, nnUNet_n_proc_DA='0', nnUNet_compile='f')
    saved = {name: os.environ.get(name) for name in values}
    for path in paths.values():
        os.makedirs(path, exist_ok=True)
    os.environ.update(values)
    try:
        yield paths
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def seed_everything(seed: int) -> None:
    """Seed the generators nnU-Net's initialisation, sampling and
    augmentation draw from."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def plan_and_preprocess(dataset_id: int, batch_size: Optional[int],
                        record: str) -> dict:
    """nnU-Net's fingerprint, experiment plan and 2D preprocessing.

    The plan is nnU-Net's own (patch size, network, normalisation), except
    its batch size, which is set to ``batch_size`` (the protocol's) when
    given: nnU-Net sizes batches for a GPU's memory. What was planned and
    what was changed is written to ``record``, which also marks the step
    done.

    Returns:
        dict: ``planned`` (nnU-Net's 2D configuration before the change)
        and ``batch_size`` (the one trained with).
    """
    if osp.isfile(record):
        with open(record) as f:
            return json.load(f)
    from nnunetv2.experiment_planning.plan_and_preprocess_api import (
        extract_fingerprints, plan_experiments, preprocess)
    from nnunetv2.utilities.dataset_name_id_conversion import \
        maybe_convert_to_dataset_name
    extract_fingerprints([dataset_id], num_processes=1,
                         check_dataset_integrity=True, verbose=False,
                         show_progress_bar=False)
    # The planner sets torch's threads to nnUNet_n_proc_DA while it sizes
    # the network, and refuses 0.
    os.environ['nnUNet_n_proc_DA'] = '1'
    try:
        plan_experiments([dataset_id])
    finally:
        os.environ['nnUNet_n_proc_DA'] = '0'
    name = maybe_convert_to_dataset_name(dataset_id)
    plans_file = osp.join(os.environ['nnUNet_preprocessed'], name,
                          'nnUNetPlans.json')
    with open(plans_file) as f:
        plans = json.load(f)
    planned = copy.deepcopy(plans['configurations'][CONFIGURATION])
    if batch_size:
        plans['configurations'][CONFIGURATION]['batch_size'] = batch_size
        write_json_atomic(plans_file, plans)
    preprocess([dataset_id], configurations=(CONFIGURATION, ),
               num_processes=(1, ), show_progress_bar=False)
    result = dict(planned=planned,
                  batch_size=plans['configurations'][CONFIGURATION]
                  ['batch_size'])
    write_json_atomic(record, result)
    return result


def _preprocessed(dataset_id: int) -> tuple:
    """``(plans, dataset_json)`` of a preprocessed dataset."""
    from nnunetv2.utilities.dataset_name_id_conversion import \
        maybe_convert_to_dataset_name
    folder = osp.join(os.environ['nnUNet_preprocessed'],
                      maybe_convert_to_dataset_name(dataset_id))
    with open(osp.join(folder, 'nnUNetPlans.json')) as f:
        plans = json.load(f)
    with open(osp.join(folder, 'dataset.json')) as f:
        dataset_json = json.load(f)
    return plans, dataset_json


def _output_folder(dataset_name: str) -> str:
    """Fold 0's folder of :class:`nnUNetTrainerFGI` (nnU-Net's naming)."""
    return osp.join(os.environ['nnUNet_results'], dataset_name,
                    f'nnUNetTrainerFGI__nnUNetPlans__{CONFIGURATION}',
                    f'fold_{FOLD}')


def train(dataset_id: int, iterations: int, seed: int,
          device: torch.device) -> str:
    """Train fold 0 for (at least) ``iterations`` iterations, resuming
    from nnU-Net's last checkpoint; return the final checkpoint's path.

    A resumed run starts its epoch with freshly seeded generators, so it
    is not bit-identical to an uninterrupted one; an uninterrupted run is
    reproducible for a seed on one machine.
    """
    from .trainer import epochs_for, nnUNetTrainerFGI
    plans, dataset_json = _preprocessed(dataset_id)
    output = _output_folder(plans['dataset_name'])
    final = osp.join(output, 'checkpoint_final.pth')
    if osp.isfile(final):
        return final
    latest = osp.join(output, 'checkpoint_latest.pth')
    # What nnU-Net's run_training passes in the plans (for its logger).
    plans['continue_training'] = osp.isfile(latest)
    seed_everything(seed)
    trainer = nnUNetTrainerFGI(plans, CONFIGURATION, FOLD, dataset_json,
                               device)
    trainer.num_epochs = epochs_for(iterations)
    if osp.isfile(latest):
        trainer.load_checkpoint(latest)
        seed_everything(seed + trainer.current_epoch)
    trainer.run_training()
    return final


def _predictor(dataset_id: int, checkpoint: str, device: torch.device):
    """nnU-Net's predictor with the weights of ``checkpoint``."""
    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor
    from nnunetv2.utilities.label_handling.label_handling import \
        determine_num_input_channels
    from nnunetv2.utilities.plans_handling.plans_handler import PlansManager
    from .trainer import nnUNetTrainerFGI
    plans, dataset_json = _preprocessed(dataset_id)
    plans_manager = PlansManager(plans)
    configuration = plans_manager.get_configuration(CONFIGURATION)
    network = nnUNetTrainerFGI.build_network_architecture(
        plans_manager, configuration,
        determine_num_input_channels(plans_manager, configuration,
                                     dataset_json),
        plans_manager.get_label_manager(dataset_json).num_segmentation_heads,
        enable_deep_supervision=False)
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    predictor = nnUNetPredictor(
        perform_everything_on_device=device.type == 'cuda', device=device,
        allow_tqdm=False)
    # manual_initialization, not initialize_from_trained_model_folder: the
    # latter looks the trainer up by name inside nnunetv2 only.
    predictor.manual_initialization(
        network, plans_manager, configuration, [state['network_weights']],
        dataset_json, state['trainer_name'],
        state.get('inference_allowed_mirroring_axes'))
    return predictor


def predict(predictor, images: Dict[str, str]) -> Dict[str, np.ndarray]:
    """Class probabilities ``(C, H, W)`` at the protocol's size for every
    ``{case id: image file}``."""
    from nnunetv2.imageio.natural_image_reader_writer import \
        NaturalImage2DIO
    reader = NaturalImage2DIO()
    probabilities = {}
    for case, path in images.items():
        image, properties = reader.read_images([path])
        _, probs = predictor.predict_single_npy_array(
            image, properties, save_or_return_probabilities=True)
        probabilities[case] = np.asarray(probs)[:, 0]
    return probabilities


def score(cfg: Config, split: str, probabilities: Dict[str, np.ndarray],
          output_file: Optional[str] = None) -> Dict[str, float]:
    """Score predictions against the ground truth of ``split`` at each
    image's original size with the config's test evaluator."""
    dataset = build_unchecked_dataset(cfg[f'{split}_dataloader']['dataset'])
    load = Compose([TRANSFORMS.build(dict(type='LoadImageFromFile')),
                    TRANSFORMS.build(dict(type='LoadBinaryAnnotations'))])
    evaluator = dict(cfg.get('test_evaluator') or
                     dict(type='MedicalSegMetric'))
    evaluator.pop('output_file', None)
    metric = METRICS.build(dict(evaluator, output_file=output_file))
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        case = osp.splitext(osp.basename(info['img_path']))[0]
        if case not in probabilities:
            raise ExportError(f'{split}: no nnU-Net prediction for {case}')
        gt = load(copy.deepcopy(info))['gt_seg_map']
        probs = torch.from_numpy(probabilities[case])[None].float()
        probs = F.interpolate(probs, size=gt.shape, mode='bilinear',
                              align_corners=False)
        pred = probs[0].argmax(0)
        metric.process({}, [dict(pred_sem_seg=dict(data=pred),
                                 gt_sem_seg=dict(data=torch.from_numpy(gt)),
                                 img_path=info['img_path'])])
    return metric.compute_metrics(metric.results)


def _score_split(cfg: Config, split: str, folder: str, predictor,
                 images: Dict[str, str], checkpoint: str,
                 keep_cases: bool) -> Dict[str, float]:
    """Predict, score and record one split in ``folder`` (skipped if its
    metrics are recorded)."""
    record = metrics_file(folder)
    if osp.isfile(record):
        with open(record) as f:
            return json.load(f)['metrics']
    os.makedirs(folder, exist_ok=True)
    metrics = score(cfg, split, predict(predictor, images),
                    per_image_file(folder) if keep_cases else None)
    write_json_atomic(record, dict(config=cfg.filename, split=split,
                                   checkpoint=osp.abspath(checkpoint),
                                   metrics=metrics))
    return metrics


def run_nnunet(cfg: Config, work_dir: str,
               device: Optional[torch.device] = None) -> Dict[str, float]:
    """Export, plan, train, predict and score one nnU-Net run.

    Reads ``cfg.nnunet`` (``label``: ``'gaze'`` or ``'full'``;
    ``dataset_id``), the protocol's ``train_cfg.max_iters`` and
    ``train_dataloader.batch_size``, and ``randomness.seed``.

    Returns:
        dict: The test metrics.
    """
    options = cfg.get('nnunet')
    if not options or 'label' not in options:
        raise ExportError(f'{cfg.filename}: no nnunet=dict(label=...) in the '
                          'config')
    device = device or torch.device(
        'cuda' if torch.cuda.is_available() else 'cpu')
    dataset_id = options.get('dataset_id', 501)
    seed = cfg.get('randomness', {}).get('seed') or 0
    with nnunet_environment(work_dir) as paths:
        folder = export_nnunet(cfg, options['label'], paths['nnUNet_raw'],
                               dataset_id)
        plan_and_preprocess(dataset_id, cfg.train_dataloader.batch_size,
                            osp.join(work_dir, PLAN_FILE))
        checkpoint = train(dataset_id, cfg.train_cfg.max_iters, seed,
                           device)
        predictor = _predictor(dataset_id, checkpoint, device)
        with open(osp.join(folder, 'splits_final.json')) as f:
            val_ids = json.load(f)[FOLD]['val']
        _score_split(cfg, 'val', osp.join(work_dir, 'val'), predictor,
                     {c: osp.join(folder, 'imagesTr', f'{c}_0000.png')
                      for c in val_ids}, checkpoint, keep_cases=False)
        test_images = sorted(os.listdir(osp.join(folder, 'imagesTs')))
        return _score_split(
            cfg, 'test', osp.join(work_dir, 'test'), predictor,
            {name[:-len('_0000.png')]: osp.join(folder, 'imagesTs', name)
             for name in test_images}, checkpoint, keep_cases=True)
