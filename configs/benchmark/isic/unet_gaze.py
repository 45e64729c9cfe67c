# "UNet, gaze" on ISIC 2017 (simulated gaze), CPU benchmark protocol.
#   python tools/analysis/benchmark.py isic --seeds 0
_base_ = [
    '../../_base_/models/cpu_mini/unet_gaze.py',
    '../../_base_/datasets/isic2017_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
