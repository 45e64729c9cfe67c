# The demo's FGI with the study's teacher changes (configs/ablations/
# fgi_study/v2_teacher_4k.py, v3_tbg.py): the teacher trains for the
# student's 1,000 iterations on the whole 0.5 mask (t_bg = t_fg), with the
# paper's SGD teacher (paper_teacher.py). It lost on the demo's validation
# split: the teacher collapsed to background.
_base_ = ['./paper_teacher.py']
teacher_iters = 1000
stages = dict(
    teacher=dict(
        train_dataloader=dict(
            dataset=dict(pipeline=_base_.train_pipeline_released)),
        train_cfg=dict(max_iters=teacher_iters),
        param_scheduler=[
            dict(type='CosineAnnealingLR', eta_min=1e-4, begin=0,
                 end=teacher_iters, by_epoch=False)
        ]))
