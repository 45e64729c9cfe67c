# The CPU benchmark protocol ("cpu_mini"): every method, one seed, at most
# 45 minutes on 2 cores. Paired with a *_cpu_mini dataset base (112 x 112,
# flips) and the widths in configs/benchmark/; calibrated so that full
# masks beat gaze by a clear margin (docs/results.md).
# AdamW instead of the paper's SGD: within a few thousand iterations SGD
# left the full-mask UNet barely above the gaze-supervised one.
_base_ = ['./paper_15k.py']
max_iters = 4000
val_interval = 500
optimizer = dict(
    _delete_=True, type='AdamW', lr=1e-3, betas=(0.9, 0.999),
    weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=100,
         by_epoch=False),
    dict(type='CosineAnnealingLR', eta_min=1e-5, begin=100, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=val_interval))
