# The authors' released FGI recipe (CrossSupervisedEncoderDecoder: teacher
# and student trained jointly, online) on ISIC 2017 (simulated gaze,
# `gaze` describer text), CPU benchmark protocol; checkpoints chosen on val
# by the student.
_base_ = [
    '../../_base_/models/cpu_mini/fgi_released.py',
    '../../_base_/datasets/isic2017_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
train_dataloader = dict(
    dataset=dict(
        data_prefix=_base_.text_prefix,
        pipeline=_base_.train_pipeline_released))
