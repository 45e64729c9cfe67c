# "TransUNet, gaze" on Kvasir-SEG (real gaze), CPU benchmark protocol: R50 (3
# stages, GN + WS) + transformer + cascaded upsampler at 1/8 of the widths.
_base_ = [
    '../../_base_/models/cpu_mini/transunet_gaze.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
