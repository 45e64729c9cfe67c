# + the teacher gets the full schedule: 4,000 iterations like every other
# network (was 1,500; its best checkpoint was its last in all three seeds).
_base_ = ['./v1_text.py']
teacher_iters = _base_.max_iters
stages = dict(
    teacher=dict(
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=_base_.param_scheduler))
