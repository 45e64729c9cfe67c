# configs/fgi/demo.py with its student under the same AdamW schedule as
# ./unet_gaze.py (the teacher stage, which sets its own, is unchanged).
_base_ = ['../../fgi/demo.py']
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='AdamW', lr=1e-3, betas=(0.9, 0.999),
        weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=40, by_epoch=False),
    dict(type='CosineAnnealingLR', eta_min=1e-5, begin=40,
         end={{_base_.max_iters}}, by_epoch=False)
]
