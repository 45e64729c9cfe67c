# UNet-gaze on the demo under AdamW (lr 1e-3, warm-up, cosine decay: the
# schedule of the demo's FGI teacher and of schedules/cpu_mini.py) instead
# of the paper's SGD, for the same 1,000 iterations.
_base_ = ['../../baselines/unet_gaze_demo.py']
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='AdamW', lr=1e-3, betas=(0.9, 0.999),
        weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=40, by_epoch=False),
    dict(type='CosineAnnealingLR', eta_min=1e-5, begin=40,
         end={{_base_.max_iters}}, by_epoch=False)
]
