# FGI on Kvasir-SEG (real gaze, `gaze` describer text), CPU benchmark
# protocol: teacher (1,500 iterations), then student (4,000), then test.
_base_ = [
    '../../_base_/models/cpu_mini/fgi.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
runner_type = 'TwoStageRunner'
teacher_iters = 1500
stages = dict(
    teacher=dict(
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, begin=0, end=100,
                 by_epoch=False),
            dict(type='CosineAnnealingLR', eta_min=1e-5, begin=100,
                 end=teacher_iters, by_epoch=False)
        ]))
