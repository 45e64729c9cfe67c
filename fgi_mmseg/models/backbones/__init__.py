from .plain_conv_unet_encoder import PlainConvUNetEncoder
from .transunet_encoder import TransUNetEncoder
from .unet_encoder import UNetEncoder

__all__ = ['PlainConvUNetEncoder', 'TransUNetEncoder', 'UNetEncoder']
