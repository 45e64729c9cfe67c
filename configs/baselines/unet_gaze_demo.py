# "UNet, gaze" on the synthetic demo data: trained on the comprehensive
# gaze pseudo-mask only (H >= 0.3), evaluated against ground truth. The
# network is the demo's FGI student, so the two compare on equal terms.
_base_ = [
    '../_base_/models/unet.py', '../_base_/datasets/demo_polyp.py',
    '../_base_/default_runtime.py', '../_base_/schedules/demo_1k.py'
]
widths = (8, 16, 32, 64, 128)
model = dict(
    type='WeaklySupervisedEncoderDecoder',
    train_label='gt_comp_seg',
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(widths=widths),
    decode_head=dict(in_channels=list(widths)))
