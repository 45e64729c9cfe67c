"""Per-case comparison panels at test time, like Figure 3 of the paper.

.. code-block:: none

    +---------+--------------+-------------+-----------+----------+-----
    |  Image  | Ground truth | Gaze        | <tested>  | <other 1>| ...
    +---------+--------------+-------------+-----------+----------+-----
    |  tile   |  mask tile   | heatmap     | predicted | predicted|
    |         |              | over image  | mask      | mask     |
    +---------+--------------+-------------+-----------+----------+-----
    | <sample id>: <description of the case, wrapped to the width>   |
    +------------------------------------------------------------------+

One JPEG per test case, ``<out_dir>/<sample id>.jpg``, written atomically.
Every tile has the same size: the image's original size, or a fixed
display height (``tile_height``) with the image's aspect ratio, so a panel
is ``number of columns x tile width`` pixels wide.
"""
import copy
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS, MODELS
from mmseg.structures import SegDataSample

from fgi_mmseg.utils.io import atomic_write
from ..checkpoint import DISTILL_ONLY_PREFIXES, load_student_weights
from ..config_derivation import deploy_config

DESCRIPTIONS_FILE = 'descriptions.jsonl'
NO_DESCRIPTION = '(no description)'
HEATMAP_SUFFIXES = ('.npy', '.png', '.jpg', '.jpeg')
MASK_STYLES = ('binary', 'overlay')
FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (128, 128, 128)
# Colour of foreground class 1 in 'overlay' style (BGR) and of ignored
# (255) pixels in both styles.
OVERLAY_COLOUR = (0, 0, 255)
IGNORE_COLOUR = (128, 128, 128)


def _ascii(text: str) -> str:
    """What OpenCV's Hershey fonts can draw: printable ASCII only."""
    return ''.join(c if 32 <= ord(c) < 127 else '?' for c in text)


def _text_size(text: str, scale: float, thickness: int) -> Tuple[int, int]:
    """Width and height (ascent plus descent) of one line of text."""
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    return width, height + baseline


def _font(tile_height: int) -> Tuple[float, int]:
    """Font scale and thickness that suit tiles ``tile_height`` px high."""
    scale = max(0.35, 0.55 * tile_height / 256)
    return scale, max(1, int(round(scale * 1.6)))


def wrap_text(text: str, width: int, scale: float,
              thickness: int) -> List[str]:
    """Greedy word wrap of ``text`` to lines at most ``width`` px wide.

    A single word wider than ``width`` is broken across lines.

    Args:
        text: The text (non-ASCII characters are drawn as ``?``).
        width: Available width in pixels.
        scale: Font scale.
        thickness: Font thickness.

    Returns:
        The lines, at least one.
    """
    words = _ascii(text).split()
    lines: List[str] = []
    line = ''
    for word in words:
        candidate = f'{line} {word}' if line else word
        if _text_size(candidate, scale, thickness)[0] <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        # Break a word that does not fit on a line of its own.
        while _text_size(word, scale, thickness)[0] > width and \
                len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and \
                    _text_size(word[:cut], scale, thickness)[0] > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def _put_centred(canvas: np.ndarray, text: str, scale: float,
                 thickness: int, colour: Tuple[int, int, int]) -> None:
    """Draw one line of text in the middle of ``canvas``, shrunk (then
    shortened with '...') to fit its width."""
    height, width = canvas.shape[:2]
    text = _ascii(text)
    while _text_size(text, scale, thickness)[0] > width - 4 and scale > 0.3:
        scale *= 0.9
    while _text_size(text, scale, thickness)[0] > width - 4 and \
            len(text) > 3:
        text = text[:-4] + '...'
    text_w, text_h = _text_size(text, scale, thickness)
    _, baseline = cv2.getTextSize(text, FONT, scale, thickness)
    org = ((width - text_w) // 2, (height + text_h) // 2 - baseline)
    cv2.putText(canvas, text, org, FONT, scale, colour, thickness,
                cv2.LINE_AA)


def message_tile(image: np.ndarray, message: str) -> np.ndarray:
    """A dimmed copy of ``image`` with ``message`` written across it.

    Used where a column has nothing to show (``no gaze``, ``no ground
    truth``).
    """
    tile = (image.astype(np.float32) * 0.25 + 40).clip(0, 255)
    tile = tile.astype(np.uint8)
    scale, thickness = _font(tile.shape[0])
    _put_centred(tile, message, scale, thickness, WHITE)
    return tile


def colour_mask(mask: np.ndarray,
                image: Optional[np.ndarray] = None,
                palette: Optional[Sequence[Sequence[int]]] = None,
                style: str = 'binary',
                alpha: float = 0.5) -> np.ndarray:
    """Draw a label map as a BGR tile.

    Args:
        mask: ``H x W`` integer labels (0 background, 255 ignored).
        image: ``H x W x 3`` BGR image, needed by the ``overlay`` style.
        palette: RGB colour per class (the dataset's ``palette``); used
            for more than one foreground class.
        style: ``binary`` (white foreground on black, like the paper's
            masks) or ``overlay`` (coloured foreground and its contour
            over the image).
        alpha: Opacity of the foreground in the ``overlay`` style.

    Returns:
        ``H x W x 3`` uint8 BGR tile.
    """
    if style not in MASK_STYLES:
        raise ValueError(f'style must be one of {MASK_STYLES}, got {style}')
    mask = np.asarray(mask)
    labels = [int(v) for v in np.unique(mask) if v not in (0, 255)]
    many = bool(palette) and any(v > 1 for v in labels)

    def colour(label: int) -> Tuple[int, int, int]:
        if many and label < len(palette):
            r, g, b = palette[label]
            return int(b), int(g), int(r)
        return WHITE if style == 'binary' else OVERLAY_COLOUR

    if style == 'binary':
        tile = np.zeros(mask.shape + (3, ), np.uint8)
        for label in labels:
            tile[mask == label] = colour(label)
        tile[mask == 255] = IGNORE_COLOUR
        return tile
    if image is None:
        raise ValueError('the overlay style needs the image')
    tile = image.astype(np.float32)
    for label in labels:
        region = mask == label
        tile[region] = (1 - alpha) * tile[region] + alpha * np.array(
            colour(label), np.float32)
    tile = tile.clip(0, 255).astype(np.uint8)
    for label in labels:
        contours, _ = cv2.findContours((mask == label).astype(np.uint8),
                                       cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(tile, contours, -1, colour(label), 1)
    return tile


def heatmap_tile(image: np.ndarray, heatmap: np.ndarray,
                 alpha: float = 0.5) -> np.ndarray:
    """The gaze heatmap as a JET colour map blended over the image.

    Args:
        image: ``H x W x 3`` uint8 BGR image.
        heatmap: Float heatmap in [0, 1] (any size; resized to the image).
        alpha: Opacity of the colour map.

    Returns:
        ``H x W x 3`` uint8 BGR tile.
    """
    height, width = image.shape[:2]
    heat = np.asarray(heatmap, np.float32)
    if heat.shape != (height, width):
        heat = cv2.resize(heat, (width, height),
                          interpolation=cv2.INTER_LINEAR)
    heat = (heat.clip(0, 1) * 255).astype(np.uint8)
    colours = cv2.applyColorMap(heat, cv2.COLORMAP_JET)
    return cv2.addWeighted(image, 1 - alpha, colours, alpha, 0)


def compose_panel(tiles: Sequence[Tuple[str, np.ndarray]],
                  text: Optional[str] = None) -> np.ndarray:
    """Put titled tiles side by side and wrapped text under them.

    Args:
        tiles: ``(title, tile)`` pairs; all tiles ``H x W x 3`` uint8 of one
            size.
        text: The text row; None leaves it out.

    Returns:
        The panel: ``len(tiles) * W`` wide, title bar + ``H`` + text row
        high, BGR uint8.
    """
    height, width = tiles[0][1].shape[:2]
    scale, thickness = _font(height)
    line_h = _text_size('Ag', scale, thickness)[1]
    title_h = line_h + 8
    panel_w = width * len(tiles)
    rows = []
    titles = np.full((title_h, panel_w, 3), 255, np.uint8)
    for i, (title, tile) in enumerate(tiles):
        if tile.shape[:2] != (height, width):
            raise ValueError(f'tile "{title}" is {tile.shape[:2]}, expected '
                             f'{(height, width)}')
        _put_centred(titles[:, i * width:(i + 1) * width], title, scale,
                     thickness, BLACK)
    rows.append(titles)
    body = np.concatenate([tile for _, tile in tiles], axis=1)
    for i in range(1, len(tiles)):  # thin separators between the columns
        body[:, i * width] = WHITE
    rows.append(body)
    if text is not None:
        margin = 6
        lines = wrap_text(text, panel_w - 2 * margin, scale, thickness)
        step = line_h + 4
        block = np.full((step * len(lines) + 2 * margin, panel_w, 3), 255,
                        np.uint8)
        for j, line in enumerate(lines):
            _, baseline = cv2.getTextSize(line, FONT, scale, thickness)
            org = (margin, margin + (j + 1) * step - baseline - 2)
            cv2.putText(block, line, org, FONT, scale, BLACK, thickness,
                        cv2.LINE_AA)
        rows.append(block)
    return np.concatenate(rows, axis=0)


def description_text(record) -> str:
    """One line of text for a :class:`DescriptionRecord` (or None)."""
    if record is None:
        return NO_DESCRIPTION
    if not record.ok:
        return f'(no description: describing failed: {record.error})'
    from fgi_mmseg.text.schema import render_phrases
    return '; '.join(render_phrases(record.report))


def _unwrap_dataset(dataset):
    """The innermost dataset of dataset wrappers (``.dataset``)."""
    seen = 0
    while hasattr(dataset, 'dataset') and seen < 8:
        dataset = dataset.dataset
        seen += 1
    return dataset


def find_descriptions(data_root: Optional[str],
                      data_prefix: Dict[str, str]) -> Optional[str]:
    """Where a dataset keeps its ``descriptions.jsonl``, if anywhere.

    Looks in the folder above the ``text_embed_path`` prefix, the folder
    above the ``heatmap_path`` prefix, then ``data_root``
    (``data/kvasir-gaze/heatmaps`` -> ``data/kvasir-gaze``;
    ``data/demo/embeddings`` -> ``data/demo``).

    Args:
        data_root: The dataset's ``data_root``.
        data_prefix: The dataset's ``data_prefix`` (joined with the root).

    Returns:
        The file, or None when there is none.
    """
    folders = [
        osp.dirname(osp.normpath(data_prefix[key]))
        for key in ('text_embed_path', 'heatmap_path')
        if data_prefix.get(key)
    ]
    if data_root:
        folders.append(data_root)
    for folder in folders:
        path = osp.join(folder, DESCRIPTIONS_FILE)
        if osp.isfile(path):
            return path
    return None


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
    else the file ``<heatmap dir>/<sample id><suffix>`` (the dataset's
    ``data_prefix['heatmap_path']`` and ``heatmap_suffix``, then ``.npy``,
    ``.png``, ``.jpg``); a case without one gets a ``no gaze`` tile.

    Compared models are built from their deploy config
    (:func:`~fgi_mmseg.engine.config_derivation.deploy_config`: the student
    alone for FGI configs), as ``init_model`` builds them, and run
    ``test_step`` on a copy of the same raw data batch, so each normalises
    the inputs with its own data preprocessor; the inputs are those of the
    tested config's pipeline.

    Args:
        out_dir (str): Folder of the panels (created).
        name (str): Title of the tested model's column.
            Defaults to 'Prediction'.
        compare (Sequence[dict]): Other models, each
            ``dict(name=..., config=..., checkpoint=...)``.
        descriptions (str | bool, optional): A ``descriptions.jsonl``;
            None looks next to the dataset's files (see
            :func:`find_descriptions`); False draws no text row. With a
            file, cases it lacks read ``(no description)``.
        heatmap_dir (str, optional): Folder of the heatmap files; defaults
            to the dataset's ``data_prefix['heatmap_path']``.
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
                 heatmap_dir: Optional[str] = None,
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
        self.heatmap_dir = heatmap_dir
        self.tile_height = tile_height
        self.interval = interval
        self.mask_style = mask_style
        self.heatmap_alpha = heatmap_alpha
        self.jpeg_quality = jpeg_quality
        self._records: Optional[dict] = None
        self._heatmap_dir: Optional[str] = heatmap_dir
        self._heatmap_suffixes: Tuple[str, ...] = HEATMAP_SUFFIXES
        self._palette = None
        self._models: List[Tuple[str, torch.nn.Module]] = []
        self._case = 0

    # ------------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------------
    def before_test(self, runner) -> None:
        """Find the data files, read the descriptions, build the models."""
        os.makedirs(self.out_dir, exist_ok=True)
        self._case = 0
        dataset = None
        try:
            dataset = _unwrap_dataset(runner.test_dataloader.dataset)
        except (AttributeError, RuntimeError):
            pass  # no test dataloader (e.g. a hand-made runner)
        data_prefix = dict(getattr(dataset, 'data_prefix', None) or {})
        data_root = getattr(dataset, 'data_root', None)
        metainfo = getattr(dataset, 'metainfo', None) or {}
        self._palette = metainfo.get('palette')

        if self.heatmap_dir is None:
            self._heatmap_dir = data_prefix.get('heatmap_path')
        own = getattr(dataset, 'heatmap_suffix', None)
        self._heatmap_suffixes = tuple(dict.fromkeys(
            ([own] if own else []) + list(HEATMAP_SUFFIXES)))

        path = self.descriptions
        if path is None:
            path = find_descriptions(data_root, data_prefix)
        self._records = None
        if path:
            from fgi_mmseg.text.records import read_records
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
                model = MODELS.build(deploy_config(entry['config']).model)
                load_student_weights(model, entry['checkpoint'],
                                     DISTILL_ONLY_PREFIXES)
                self._models.append((entry['name'], model.to(device).eval()))

    def after_test(self, runner) -> None:
        """Release the compared models."""
        self._models = []

    @staticmethod
    def _device(runner) -> str:
        """Device of the tested model's parameters (cpu if it has none)."""
        for param in runner.model.parameters():
            return str(param.device)
        return 'cpu'

    # ------------------------------------------------------------------
    # Drawing
    # ------------------------------------------------------------------
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
            image = self._image(output, inputs, i)
            panel = self.render(output, image, preds)
            self._write(panel, self._stem(output, batch_idx, i))

    def render(self, sample: SegDataSample, image: np.ndarray,
               predictions: Sequence[Tuple[str, SegDataSample]]
               ) -> np.ndarray:
        """The panel of one case.

        Args:
            sample: The tested model's output for the case (metainfo,
                ``gt_sem_seg``, maybe ``gt_heatmap``).
            image: The case's image, ``H x W x 3`` uint8 BGR.
            predictions: ``(column title, output with pred_sem_seg)``.

        Returns:
            The panel, BGR uint8.
        """
        height, width = image.shape[:2]
        tile_h = self.tile_height or height
        tile_w = max(1, int(round(width * tile_h / height)))
        size = (tile_w, tile_h)
        shown = cv2.resize(image, size, interpolation=cv2.INTER_AREA
                           if tile_h < height else cv2.INTER_LINEAR)

        def mask_tile(data_sample, field):
            mask = self._mask(data_sample, field)
            if mask is None:
                return None
            mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
            return colour_mask(mask, shown, self._palette, self.mask_style)

        gt = mask_tile(sample, 'gt_sem_seg')
        heatmap = self._heatmap(sample)
        tiles = [
            ('Image', shown),
            ('Ground truth', gt if gt is not None else message_tile(
                shown, 'no ground truth')),
            ('Gaze', heatmap_tile(shown, heatmap, self.heatmap_alpha)
             if heatmap is not None else message_tile(shown, 'no gaze')),
        ]
        for title, prediction in predictions:
            tile = mask_tile(prediction, 'pred_sem_seg')
            tiles.append((title, tile if tile is not None else message_tile(
                shown, 'no prediction')))
        text = None
        if self._records is not None:
            sample_id = self._sample_id(sample)
            text = f'{sample_id}: ' + description_text(
                self._records.get(sample_id))
        return compose_panel(tiles, text)

    # ------------------------------------------------------------------
    # Inputs of a case
    # ------------------------------------------------------------------
    @staticmethod
    def _sample_id(sample: SegDataSample) -> str:
        sample_id = sample.metainfo.get('sample_id')
        if sample_id:
            return str(sample_id)
        img_path = sample.metainfo.get('img_path')
        if img_path:
            return osp.splitext(osp.basename(img_path))[0]
        return ''

    def _stem(self, sample: SegDataSample, batch_idx: int, i: int) -> str:
        stem = osp.basename(self._sample_id(sample))
        return stem or f'batch{batch_idx:05d}_{i}'

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
    def _mask(sample: SegDataSample, field: str) -> Optional[np.ndarray]:
        """An ``H x W`` uint8 label map of ``field``, if the sample has it."""
        if field not in sample:
            return None
        data = getattr(sample, field).data
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        data = np.asarray(data)
        if data.ndim == 3:
            data = data[0]
        return data.clip(0, 255).astype(np.uint8)

    def _heatmap(self, sample: SegDataSample) -> Optional[np.ndarray]:
        """The packed heatmap, else the file of the case, else None."""
        if 'gt_heatmap' in sample:
            data = sample.gt_heatmap.data
            if isinstance(data, torch.Tensor):
                data = data.detach().cpu().numpy()
            data = np.asarray(data, np.float32)
            return data[0] if data.ndim == 3 else data
        if not self._heatmap_dir:
            return None
        from fgi_mmseg.gaze.heatmap import load_heatmap
        sample_id = self._sample_id(sample)
        for suffix in self._heatmap_suffixes:
            path = osp.join(self._heatmap_dir, sample_id + suffix)
            if osp.isfile(path):
                try:
                    return load_heatmap(path)
                except (OSError, ValueError) as err:
                    print_log(f'GazePanelHook: {err}', logger='current',
                              level='WARNING')
                    return None
        return None

    def _write(self, panel: np.ndarray, stem: str) -> None:
        ok, buffer = cv2.imencode(
            '.jpg', panel, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:
            raise RuntimeError(f'cannot encode the panel of {stem}')
        atomic_write(
            osp.join(self.out_dir, stem + '.jpg'),
            lambda f: f.write(buffer.tobytes()))
