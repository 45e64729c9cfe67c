from .cascaded_upsampler_head import CascadedUpsamplerHead
from .unet_head import UNetHead

__all__ = ['CascadedUpsamplerHead', 'UNetHead']
