from .cutmix import cutmix, cutmix_boxes
from .darm import DARM_PATCHES, apply_darm, apply_darm_to_samples, darm_mask
from .double_conv import DoubleConv
from .logits import resize_logits
from .memory_format import concat_channels, is_channels_last, to_memory_format
from .rampup import current_rampup_weight, sigmoid_rampup
from .teacher_cache import TeacherOutputCache

__all__ = [
    'DARM_PATCHES', 'darm_mask', 'apply_darm', 'apply_darm_to_samples',
    'sigmoid_rampup', 'TeacherOutputCache',
    'cutmix', 'cutmix_boxes', 'current_rampup_weight', 'resize_logits',
    'DoubleConv', 'concat_channels', 'is_channels_last', 'to_memory_format'
]
