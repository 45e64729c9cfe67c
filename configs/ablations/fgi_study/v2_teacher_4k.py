# + the teacher gets the full schedule: 4,000 iterations like every other
# network (was 1,500; its best checkpoint was its last in all three seeds).
_base_ = ['./v1_text.py']
teacher_iters = 4000
stages = dict(
    teacher=dict(
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, begin=0, end=100,
                 by_epoch=False),
            dict(type='CosineAnnealingLR', eta_min=1e-5, begin=100,
                 end=teacher_iters, by_epoch=False)
        ]))
