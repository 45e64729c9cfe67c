# sgd_student.py (the demo's FGI, student under SGD) with its AdamW
# teacher trained for the student's 1,000 iterations instead of 400 (same
# masks, warm-up, cosine decay).
_base_ = ['./sgd_student.py']
teacher_iters = 1000
_warmup, _cosine = _base_.stages.teacher.param_scheduler
stages = dict(
    teacher=dict(
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=[_warmup, dict(_cosine, end=teacher_iters)]))
