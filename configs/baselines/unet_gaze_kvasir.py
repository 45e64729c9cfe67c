# "UNet, gaze" on Kvasir-SEG with the authors' protocol (method §7): the
# FGI student's network (widths 32..512) trained on the comprehensive gaze
# pseudo-mask, 224 x 224, SGD + cosine, 15,000 iterations, flips.
_base_ = [
    '../_base_/models/unet.py', '../_base_/datasets/kvasir.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
model = dict(
    type='WeaklySupervisedEncoderDecoder',
    train_label='gt_comp_seg',
    data_preprocessor=dict(size={{_base_.crop_size}}))
