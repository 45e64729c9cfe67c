from .transunet_encoder import TransUNetEncoder
from .unet_encoder import UNetEncoder

__all__ = ['TransUNetEncoder', 'UNetEncoder']
