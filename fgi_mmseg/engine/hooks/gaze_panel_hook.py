"""Per-case comparison panels at test time, like Figure 3 of the paper.

One JPEG per test case, ``<out_dir>/<sample id>.jpg``, written atomically;
:func:`fgi_mmseg.visualization.case_panel` draws it.
"""
import copy
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from fgi_mmseg.gaze.heatmap import load_heatmap
from fgi_mmseg.text.records import (description_text, find_descriptions,
                                    read_records)
from fgi_mmseg.utils.io import write_bytes_atomic
from fgi_mmseg.visualization import MASK_STYLES, case_panel
from ..deploy import init_model


def _unwrap_dataset(dataset):
    """The innermost dataset of dataset wrappers (``.dataset``)."""
    seen = 0
    while hasattr(dataset, 'dataset') and seen < 8:
        dataset = dataset.dataset
        seen += 1
    return dataset


@HOOKS.register_module()
class GazePanelHook(Hook):
    """Write one comparison panel per test case (the paper's Figure 3).

    Columns: the input image, the ground truth, the gaze heatmap (JET
    colour map over the image), the tested model's prediction and the
    predictions of the models in ``compare``; under them, the case's
    description (wrapped). Tiles are titled; each panel goes to
    ``<out_dir>/<sample id>.jpg``, written atomically.

    The image is read from ``img_path``; the ground truth and predictions
    come from the test outputs (``gt_sem_seg``, ``pred_sem_seg``). The
    heatmap is the packed ``gt_heatmap`` when the test pipeline loads it,
    else the file ``heatmap_path`` of the sample's meta information (which
    :class:`~fgi_mmseg.datasets.transforms.PackGazeSegInputs` packs for
    datasets with heatmaps); a case without one gets a ``no gaze`` tile.

    Compared models are built as
    :func:`~fgi_mmseg.engine.deploy.init_model` builds them (the student
    alone for FGI configs) and run ``test_step`` on a copy of the same raw
    data batch, so each normalises the inputs with its own data
    preprocessor; the inputs are those of the tested config's pipeline.

    Args:
        out_dir (str): Folder of the panels (created).
        name (str): Title of the tested model's column.
            Defaults to 'Prediction'.
        compare (Sequence[dict]): Other models, each
            ``dict(name=..., config=..., checkpoint=...)``.
        descriptions (str | bool, optional): A ``descriptions.jsonl``;
            None looks next to the dataset's files (see
            :func:`~fgi_mmseg.text.records.find_descriptions`); False draws
            no text row. With a file, cases it lacks read
            ``(no description)``.
        tile_height (int, optional): Display height of every tile in px;
            None keeps the image's original size. Defaults to 256.
        interval (int): Draw every ``interval``-th test case. Defaults to 1.
        mask_style (str): ``binary`` (white on black) or ``overlay`` (over
            the image) for ground truth and predictions.
            Defaults to 'binary'.
        heatmap_alpha (float): Opacity of the heatmap colour map.
            Defaults to 0.5.
        jpeg_quality (int): JPEG quality. Defaults to 95.
    """

    priority = 'LOW'

    def __init__(self,
                 out_dir: str,
                 name: str = 'Prediction',
                 compare: Sequence[dict] = (),
                 descriptions: Union[str, bool, None] = None,
                 tile_height: Optional[int] = 256,
                 interval: int = 1,
                 mask_style: str = 'binary',
                 heatmap_alpha: float = 0.5,
                 jpeg_quality: int = 95) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        if tile_height is not None and tile_height < 8:
            raise ValueError(f'tile_height must be >= 8, got {tile_height}')
        if mask_style not in MASK_STYLES:
            raise ValueError(f'mask_style must be one of {MASK_STYLES}, got '
                             f'{mask_style}')
        self.compare = [dict(c) for c in compare]
        names = [name] + [c.get('name') for c in self.compare]
        for c in self.compare:
            missing = {'name', 'config', 'checkpoint'} - set(c)
            if missing:
                raise ValueError(f'compare entry {c} lacks {sorted(missing)}')
        if len(set(names)) != len(names):
            raise ValueError(f'column names must differ, got {names}')
        if isinstance(descriptions, str) and not osp.isfile(descriptions):
            raise FileNotFoundError(
                f'descriptions file "{descriptions}" not found')
        self.out_dir = out_dir
        self.name = name
        self.descriptions = descriptions
        self.tile_height = tile_height
        self.interval = interval
        self.mask_style = mask_style
        self.heatmap_alpha = heatmap_alpha
        self.jpeg_quality = jpeg_quality
        self._records: Optional[dict] = None
        self._palette = None
        self._models: List[Tuple[str, torch.nn.Module]] = []
        self._case = 0

    def before_test(self, runner) -> None:
        """Read the descriptions, build the compared models."""
        os.makedirs(self.out_dir, exist_ok=True)
        self._case = 0
        dataset = None
        try:
            dataset = _unwrap_dataset(runner.test_dataloader.dataset)
        except (AttributeError, RuntimeError):
            pass  # no test dataloader (e.g. a hand-made runner)
        metainfo = getattr(dataset, 'metainfo', None) or {}
        self._palette = metainfo.get('palette')

        path = self.descriptions
        if path is None:
            path = find_descriptions(
                getattr(dataset, 'data_root', None),
                dict(getattr(dataset, 'data_prefix', None) or {}))
        self._records = None
        if path:
            self._records = read_records(path)
            print_log(f'GazePanelHook: {len(self._records)} descriptions '
                      f'from {path}', logger='current')
        else:
            print_log('GazePanelHook: no descriptions file, panels get no '
                      'text row', logger='current')

        self._models = []
        if self.compare:
            device = self._device(runner)
            for entry in self.compare:
                print_log(f'GazePanelHook: building "{entry["name"]}" from '
                          f'{entry["config"]} ({entry["checkpoint"]})',
                          logger='current')
                self._models.append((entry['name'], init_model(
                    entry['config'], entry['checkpoint'], device)))

    def after_test(self, runner) -> None:
        """Release the compared models."""
        self._models = []

    @staticmethod
    def _device(runner) -> str:
        """Device of the tested model's parameters (cpu if it has none)."""
        for param in runner.model.parameters():
            return str(param.device)
        return 'cpu'

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None
                        ) -> None:
        """Draw the panels of the selected cases of this batch."""
        if not outputs:
            return
        chosen = []
        for i in range(len(outputs)):
            if self._case % self.interval == 0:
                chosen.append(i)
            self._case += 1
        if not chosen:
            return
        others = []
        for name, model in self._models:
            with torch.no_grad():
                others.append(
                    (name, model.test_step(copy.deepcopy(data_batch))))
        inputs = (data_batch or {}).get('inputs')
        for i in chosen:
            output = outputs[i]
            preds = [(self.name, output)] + [
                (name, results[i]) for name, results in others
            ]
            sample_id = self._sample_id(output)
            image = self._image(output, inputs, i)
            text = None
            if self._records is not None:
                text = f'{sample_id}: ' + description_text(
                    self._records.get(sample_id))
            panel = case_panel(image, output, preds, self._heatmap(output),
                               text, self.tile_height, self._palette,
                               self.mask_style, self.heatmap_alpha)
            self._write(panel, osp.basename(sample_id) or
                        f'batch{batch_idx:05d}_{i}')

    @staticmethod
    def _sample_id(sample: SegDataSample) -> str:
        sample_id = sample.metainfo.get('sample_id')
        if sample_id:
            return str(sample_id)
        img_path = sample.metainfo.get('img_path')
        if img_path:
            return osp.splitext(osp.basename(img_path))[0]
        return ''

    @staticmethod
    def _image(sample: SegDataSample, inputs, i: int) -> np.ndarray:
        """The original image (from ``img_path``), else the network input
        (as loaded: BGR)."""
        path = sample.metainfo.get('img_path')
        image = cv2.imread(path, cv2.IMREAD_COLOR) if path and \
            osp.isfile(path) else None
        if image is not None:
            return image
        if inputs is None or i >= len(inputs):
            raise ValueError(f'cannot read the image of case {path!r}')
        array = inputs[i].detach().cpu().numpy()
        array = np.transpose(array, (1, 2, 0)).clip(0, 255).astype(np.uint8)
        if array.shape[2] == 1:
            array = np.repeat(array, 3, axis=2)
        return np.ascontiguousarray(array[..., :3])

    @staticmethod
    def _heatmap(sample: SegDataSample) -> Optional[np.ndarray]:
        """The packed heatmap, else the case's ``heatmap_path``, else
        None."""
        if 'gt_heatmap' in sample:
            data = sample.gt_heatmap.data
            if isinstance(data, torch.Tensor):
                data = data.detach().cpu().numpy()
            data = np.asarray(data, np.float32)
            return data[0] if data.ndim == 3 else data
        path = sample.metainfo.get('heatmap_path')
        if not path or not osp.isfile(path):
            return None
        try:
            return load_heatmap(path)
        except (OSError, ValueError) as err:
            print_log(f'GazePanelHook: {err}', logger='current',
                      level='WARNING')
            return None

    def _write(self, panel: np.ndarray, stem: str) -> None:
        ok, buffer = cv2.imencode(
            '.jpg', panel, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:
            raise RuntimeError(f'cannot encode the panel of {stem}')
        write_bytes_atomic(osp.join(self.out_dir, stem + '.jpg'),
                           buffer.tobytes())
