# teacher_adamw.py with the study's other teacher changes (as
# teacher_full_mask.py): the whole 0.5 mask (t_bg = t_fg) for the student's
# 1,000 iterations.
_base_ = ['./teacher_adamw.py']
teacher_iters = 1000
_warmup, _cosine = _base_.stages.teacher.param_scheduler
stages = dict(
    teacher=dict(
        train_dataloader=dict(
            dataset=dict(pipeline=_base_.train_pipeline_released)),
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=[_warmup, dict(_cosine, end=teacher_iters)]))
