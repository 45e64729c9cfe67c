# "TransUNet, gaze" on Kvasir-SEG with the paper's protocol (method §7):
# 224 x 224, batch 8, SGD + cosine, 15,000 iterations, flips; trained on
# the comprehensive gaze pseudo-mask, checkpoints selected on val.
#   python tools/train.py configs/baselines/transunet_gaze_kvasir.py
_base_ = [
    '../_base_/models/transunet.py', '../_base_/datasets/kvasir.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
crop_size = {{_base_.crop_size}}
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(img_size=crop_size))
