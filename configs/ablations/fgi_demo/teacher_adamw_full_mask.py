# teacher_adamw.py with the study's other teacher changes (as
# teacher_full_mask.py): the whole 0.5 mask (t_bg = t_fg) for the student's
# 1,000 iterations.
_base_ = ['./teacher_adamw.py']
teacher_iters = 1000
_teacher_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGazeHeatmap', t_fg=0.5, t_bg=0.5, t_comp=0.3),
    dict(type='LoadTextEmbedding', flip_variants=True),
] + _base_.train_pipeline_text[3:]
stages = dict(
    teacher=dict(
        train_dataloader=dict(dataset=dict(pipeline=_teacher_pipeline)),
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=[
            _base_.stages.teacher.param_scheduler[0],
            dict(_base_.stages.teacher.param_scheduler[1], end=teacher_iters)
        ]))
