# "UNet, full masks" on Kvasir-SEG with the authors' protocol: the same
# network trained on the ground-truth masks, the upper bound.
_base_ = [
    '../_base_/models/unet.py', '../_base_/datasets/kvasir.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_full))
