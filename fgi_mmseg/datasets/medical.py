"""The public datasets of the FGI paper, in the layouts of method §8."""
from mmseg.registry import DATASETS

from .gaze_seg_dataset import GazeSegDataset


@DATASETS.register_module()
class KvasirSEGDataset(GazeSegDataset):
    """Kvasir-SEG polyps: ``images/<id>.jpg`` and JPEG masks
    ``masks/<id>.jpg`` (threshold them at 128 when loading)."""

    METAINFO = dict(
        classes=('background', 'polyp'), palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.jpg', **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)


@DATASETS.register_module()
class ISIC2017Dataset(GazeSegDataset):
    """ISIC 2017 skin lesions: ``ISIC_xxxxxxx.jpg`` with masks
    ``ISIC_xxxxxxx_segmentation.png`` (or ``_Segmentation.png``)."""

    METAINFO = dict(
        classes=('background', 'lesion'), palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self,
                 img_suffix='.jpg',
                 seg_map_suffix=('_segmentation.png', '_Segmentation.png'),
                 **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)


@DATASETS.register_module()
class NCIISBIDataset(GazeSegDataset):
    """NCI-ISBI 2013 prostate MRI as 2-D PNG slices with PNG masks.

    List only slices with non-empty masks in the split files (the paper
    keeps those alone); load images with ``color_type='grayscale'``.
    """

    METAINFO = dict(
        classes=('background', 'prostate'), palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
