# + the teacher learns from the whole 0.5 mask (t_bg = t_fg, as the
# released code's BCE): no ignored ring between H 0.05 and 0.5. It was
# the benchmark's FGI until v9_afc_x10.py (this + AFC at 10x) won on val.
_base_ = ['./v2_teacher_4k.py']
stages = dict(
    teacher=dict(
        train_dataloader=dict(
            dataset=dict(pipeline=_base_.mini_train_pipeline_released))))
