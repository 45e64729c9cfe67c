from .distill_encoder_decoder import DistillEncoderDecoder
from .text_guided_encoder_decoder import (TextGuidedEncoderDecoder,
                                          collate_text)
from .weakly_supervised_encoder_decoder import WeaklySupervisedEncoderDecoder

__all__ = [
    'WeaklySupervisedEncoderDecoder', 'TextGuidedEncoderDecoder',
    'DistillEncoderDecoder', 'collate_text'
]
