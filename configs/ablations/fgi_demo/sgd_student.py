# configs/fgi/demo.py with its student under the paper's SGD and cosine
# decay (the baseline's schedule, schedules/demo_1k.py): the demo's FGI of
# commit 32caa09, before the student's AdamW was chosen on val. The other
# ablations in this folder build on it, as they ran.
_base_ = ['../../fgi/demo.py']
optim_wrapper = dict(optimizer=dict(_base_.optimizer, _delete_=True))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=1e-4, begin=0,
         end={{_base_.max_iters}}, by_epoch=False)
]
