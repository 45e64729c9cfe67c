from .caching import CachedTransforms
from .formatting import PackGazeSegInputs
from .geometric import SegFieldsRandomFlip, SegFieldsResize
from .intensity import PerImageZScore
from .loading import LoadBinaryAnnotations, LoadGazeHeatmap, LoadTextEmbedding

__all__ = [
    'CachedTransforms', 'LoadBinaryAnnotations', 'LoadGazeHeatmap',
    'LoadTextEmbedding', 'PackGazeSegInputs', 'SegFieldsResize',
    'SegFieldsRandomFlip',
    'PerImageZScore'
]
