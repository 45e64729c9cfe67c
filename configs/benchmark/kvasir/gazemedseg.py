# GazeMedSeg (two threshold levels, cross-level propagation consistency)
# on Kvasir-SEG (real gaze), CPU benchmark protocol.
_base_ = [
    '../../_base_/models/cpu_mini/gazemedseg.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_levels))
