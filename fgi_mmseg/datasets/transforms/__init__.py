from .formatting import PackGazeSegInputs
from .geometric import GazeRandomFlip, GazeResize
from .loading import LoadBinaryAnnotations, LoadGazeHeatmap, LoadTextEmbedding

__all__ = [
    'LoadBinaryAnnotations', 'LoadGazeHeatmap', 'LoadTextEmbedding',
    'PackGazeSegInputs', 'GazeResize', 'GazeRandomFlip'
]
