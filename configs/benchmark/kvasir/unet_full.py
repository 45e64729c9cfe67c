# "UNet, full masks" on Kvasir-SEG, CPU benchmark protocol: the upper bound.
_base_ = [
    '../../_base_/models/cpu_mini/unet_full.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_full))
