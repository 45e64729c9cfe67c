# "UNet, gaze" on the synthetic demo data: trained on the comprehensive
# gaze pseudo-mask only (H >= 0.3), evaluated against ground truth.
_base_ = [
    '../_base_/models/unet_s5.py', '../_base_/datasets/demo_polyp.py',
    '../_base_/default_runtime.py', '../_base_/schedules/demo_1k.py'
]
model = dict(
    type='WeaklySupervisedEncoderDecoder',
    train_label='gt_comp_seg',
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(base_channels=8),
    decode_head=dict(in_channels=8, channels=8))
