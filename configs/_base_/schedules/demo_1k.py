# The paper's optimiser and hooks (paper_15k.py) on a 1,000-iteration
# schedule for the demo.
_base_ = ['./paper_15k.py']
max_iters = 1000
val_interval = 200
# The paper's cosine decay, over this schedule.
param_scheduler = [dict(_base_.param_scheduler[0], end=max_iters)]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
