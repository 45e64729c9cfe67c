from .cross_supervised_encoder_decoder import CrossSupervisedEncoderDecoder
from .distill_encoder_decoder import DistillEncoderDecoder
from .multi_level_gaze_encoder_decoder import MultiLevelGazeEncoderDecoder
from .text_guided_encoder_decoder import (TextGuidedEncoderDecoder,
                                          collate_text)
from .weakly_supervised_encoder_decoder import WeaklySupervisedEncoderDecoder

__all__ = [
    'WeaklySupervisedEncoderDecoder', 'TextGuidedEncoderDecoder',
    'DistillEncoderDecoder', 'MultiLevelGazeEncoderDecoder', 'collate_text',
    'CrossSupervisedEncoderDecoder'
]
