# The paper's optimiser and hooks (paper_15k.py) on a 1,000-iteration
# schedule for the demo.
_base_ = ['./paper_15k.py']
max_iters = 1000
val_interval = 200
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-4,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
