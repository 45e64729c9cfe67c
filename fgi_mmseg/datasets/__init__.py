from .demo import DemoPolypDataset, materialize_demo_data
from .errors import SampleLoadError
from .gaze_seg_dataset import GazeSegDataset
from .medical import ISIC2017Dataset, KvasirSEGDataset, NCIISBIDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'GazeSegDataset', 'KvasirSEGDataset', 'ISIC2017Dataset', 'NCIISBIDataset',
    'DemoPolypDataset', 'materialize_demo_data', 'SampleLoadError'
]
