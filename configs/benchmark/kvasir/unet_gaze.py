# "UNet, gaze" on Kvasir-SEG (real gaze), CPU benchmark protocol.
#   python tools/analysis/benchmark.py kvasir --seeds 0 1 2
_base_ = [
    '../../_base_/models/cpu_mini/unet_gaze.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
