# FGI as benchmarked before the study (configs/benchmark/kvasir/fgi.py
# until then): the text does not follow the flips (SegFieldsRandomFlip
# text='keep'), teacher 1,500 iterations, t_bg 0.05, CWC on the clean view
# where both networks are confident, DARM off.
_base_ = [
    '../../_base_/models/cpu_mini/fgi.py',
    '../../_base_/datasets/kvasir_cpu_mini.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/cpu_fast.py'
]
runner_type = 'TwoStageRunner'
teacher_iters = 1500
_unflipped = dict(
    dataset=dict(pipeline=_base_.mini_train_pipeline_text_unflipped))
stages = dict(
    teacher=dict(
        train_dataloader=_unflipped,
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, begin=0, end=100,
                 by_epoch=False),
            dict(type='CosineAnnealingLR', eta_min=1e-5, begin=100,
                 end=teacher_iters, by_epoch=False)
        ]),
    student=dict(train_dataloader=_unflipped))
