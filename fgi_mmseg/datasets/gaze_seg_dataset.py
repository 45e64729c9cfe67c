"""Base dataset for segmentation samples that carry gaze and text."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import mmengine
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .errors import SampleLoadError

# data_prefix keys that point to per-sample files, with the suffix attribute
# that completes each file name.
SAMPLE_FILE_KEYS = {
    'img_path': 'img_suffix',
    'seg_map_path': 'seg_map_suffix',
    'heatmap_path': 'heatmap_suffix',
    'text_embed_path': 'text_embed_suffix',
}

# The tools that write the derived per-sample folders: named in the error
# when such a folder does not exist at all (a fresh clone or worktree).
PRODUCED_BY = {
    'heatmap_path': 'tools/gaze/build_gaze.py',
    'text_embed_path': 'tools/text/describe.py, then tools/text/encode.py',
}


@DATASETS.register_module()
class GazeSegDataset(BaseSegDataset):
    """Binary lesion segmentation dataset with optional gaze and text files.

    Samples are listed by id in a split file (``ann_file``, one id per line)
    and every per-sample file is ``<data_root>/<prefix>/<id><suffix>``:

    .. code-block:: none

        data_root/
        ├── images/<id>.jpg                 img_path
        ├── masks/<id>.jpg                  seg_map_path (evaluation only)
        ├── gaze/heatmaps/<id>.png           heatmap_path (optional)
        ├── embeddings/<id>.npy             text_embed_path (optional)
        └── splits/{train,val,test}.txt     ann_file

    Only the prefixes present in ``data_prefix`` are used, so one class
    serves fully supervised, gaze-only and gaze + text configs. Each data
    info carries ``sample_id`` so that loading errors can name the sample.

    Args:
        ann_file (str): Split file with one sample id per line.
        img_suffix (str): Image file suffix. Defaults to '.jpg'.
        seg_map_suffix (str | Sequence[str]): Mask suffix, or several
            accepted spellings tried in order (ISIC ships both
            ``_segmentation`` and ``_Segmentation``). Defaults to '.png'.
        heatmap_suffix (str): Gaze heatmap suffix (``.png``, ``.jpg`` or
            ``.npy``). Defaults to '.png'.
        text_embed_suffix (str): Text embedding suffix. Defaults to '.npy'.
        check_files (bool): Raise at construction when a listed file is
            missing, naming the file and the sample. Defaults to True.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """

    METAINFO = dict(
        classes=('background', 'lesion'), palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self,
                 ann_file: str,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: Union[str, Sequence[str]] = '.png',
                 heatmap_suffix: str = '.png',
                 text_embed_suffix: str = '.npy',
                 check_files: bool = True,
                 data_prefix: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        self.heatmap_suffix = heatmap_suffix
        self.text_embed_suffix = text_embed_suffix
        self.check_files = check_files
        if data_prefix is None:
            data_prefix = dict(img_path='images', seg_map_path='masks')
        super().__init__(
            ann_file=ann_file,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            **kwargs)

    def read_split(self) -> List[str]:
        """Read the sample ids of the split file, without extensions."""
        if not self.ann_file or not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__}: split file (ann_file) '
                f'"{self.ann_file}" not found; expected one sample id a line')
        ids = []
        for line in mmengine.list_from_file(self.ann_file):
            sample_id = line.strip()
            if not sample_id:
                continue
            if sample_id.endswith(self.img_suffix):
                sample_id = sample_id[:-len(self.img_suffix)]
            ids.append(sample_id)
        if not ids:
            raise ValueError(f'split file "{self.ann_file}" lists no ids')
        return ids

    def load_data_list(self) -> List[dict]:
        """Build one data info per id of the split file."""
        data_list = []
        missing = []
        for sample_id in self.read_split():
            info = dict(
                sample_id=sample_id,
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[])
            for key, suffix_attr in SAMPLE_FILE_KEYS.items():
                folder = self.data_prefix.get(key)
                if folder is None:
                    continue
                path = self._resolve(folder, sample_id,
                                     getattr(self, suffix_attr))
                if self.check_files and not osp.isfile(path):
                    missing.append(f'{sample_id}: {key} {path}')
                info[key] = path
            data_list.append(info)
        if missing:
            shown = '\n  '.join(missing[:10])
            more = f'\n  ... and {len(missing) - 10} more' \
                if len(missing) > 10 else ''
            raise FileNotFoundError(
                f'{type(self).__name__} ({self.ann_file}): '
                f'{len(missing)} listed files are missing:\n  {shown}{more}'
                f'{self._absent_folders_hint()}')
        return data_list

    def _absent_folders_hint(self) -> str:
        """Name the derived folders that do not exist and their tools."""
        hints = [
            f'\n  folder {folder} ({key}) does not exist; it is written '
            f'by {PRODUCED_BY[key]}'
            for key, folder in self.data_prefix.items()
            if key in PRODUCED_BY and folder and not osp.isdir(folder)
        ]
        return ''.join(hints)

    def prepare_data(self, idx: int):
        """Run the pipeline, naming the sample in any loading error."""
        try:
            return super().prepare_data(idx)
        except SampleLoadError:
            raise
        except Exception as err:
            info = self.get_data_info(idx)
            raise SampleLoadError(
                f'sample "{info.get("sample_id")}" '
                f'({info.get("img_path")}): {type(err).__name__}: {err}'
            ) from err

    @staticmethod
    def _resolve(folder: str, sample_id: str,
                 suffixes: Union[str, Sequence[str]]) -> str:
        """Path of the first existing spelling, else of the first one."""
        if isinstance(suffixes, str):
            suffixes = [suffixes]
        paths = [osp.join(folder, sample_id + s) for s in suffixes]
        return next((p for p in paths if osp.isfile(p)), paths[0])
