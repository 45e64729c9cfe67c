from .weakly_supervised_encoder_decoder import WeaklySupervisedEncoderDecoder

__all__ = ['WeaklySupervisedEncoderDecoder']
