# "nnU-Net, gaze" on Kvasir-SEG: nnunetv2 trained on the comprehensive gaze
# pseudo-mask, CPU benchmark protocol (configs/_base_/models/nnunet.py).
_base_ = [
    '../../_base_/models/nnunet.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
