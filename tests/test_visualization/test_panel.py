"""``case_panel`` draws, pixel for pixel, the panels ``GazePanelHook``
drew before the drawing moved to :mod:`fgi_mmseg.visualization`.

The digests are of the panel arrays drawn then (OpenCV 5.0.0; another
OpenCV build may render text or resize differently).
"""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from fgi_mmseg.text.records import DescriptionRecord, description_text
from fgi_mmseg.visualization import case_panel
from tests.test_visualization.helpers import digest

PALETTE = [[0, 0, 0], [255, 0, 0], [0, 128, 255]]
REPORT = {
    'location': 'lower left', 'boundary': 'irregular',
    'characteristics': ['lobulated', 'reddish'], 'area_percentage': 12,
    'confidence': 'high', 'remarks': 'a long remark ' * 6
}


def _case(two_labels: bool, heatmap: bool):
    """A 40 x 60 case: ground truth with an ignored band (and a second
    class), a prediction beside it, one beneath, and no prediction."""
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    mask = np.zeros((1, 40, 60), np.int64)
    mask[:, 8:30, 12:40] = 1
    mask[:, 0:3, :] = 255
    if two_labels:
        mask[:, 20:35, 42:55] = 2
    meta = dict(sample_id='case7', img_path='/nonexistent/case7.png')
    sample = SegDataSample(metainfo=meta)
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(mask))
    pred = np.roll(mask, 4, axis=2)
    pred[pred == 255] = 0
    sample.pred_sem_seg = PixelData(data=torch.from_numpy(pred))
    heat = rng.random((40, 60)).astype(np.float32) if heatmap else None
    other = SegDataSample(metainfo=meta)
    other.pred_sem_seg = PixelData(
        data=torch.from_numpy(np.roll(mask, -3, axis=1).clip(0, 2)))
    columns = [('Ours', sample), ('Other model with a long name', other),
               ('None', SegDataSample(metainfo=meta))]
    return image, sample, columns, heat


@pytest.mark.parametrize(
    'style,two_labels,tile_height,text,heatmap,expected', [
        ('binary', False, 64, True, True, '(128, 576, 3) 722c1620235dcb1d34'
         '70eab42361dffa170361af8516b9819800ffa43f7d8a45'),
        ('binary', True, 64, False, False, '(84, 576, 3) a6928c6447b2028a63'
         'd8a0bb1fb67b4dd11be37338626489d9bcaf771801ec8e'),
        ('overlay', False, 20, False, True, '(40, 180, 3) 05427753d22f56abe'
         '8ba4a446fabbdf3432c17fb4178d628e6faf12fffa293ef'),
        ('overlay', True, None, True, False, '(120, 360, 3) c1b178736ce5a86'
         'faa7b744ec41a3aed08c17ec566d8e120076b78b4001b9165'),
    ])
def test_case_panel_is_unchanged(style, two_labels, tile_height, text,
                                 heatmap, expected):
    image, sample, columns, heat = _case(two_labels, heatmap)
    row = None
    if text:
        record = DescriptionRecord(id='case7', describer='gaze',
                                   report=REPORT)
        row = 'case7: ' + description_text(record)
    panel = case_panel(image, sample, columns, heat, row, tile_height,
                       PALETTE if two_labels else None, style)
    assert digest(panel) == expected
