# CPU benchmark protocol: the UNet (widths 8..128 at 112 x 112) trained on
# the comprehensive gaze pseudo-mask (H >= 0.3): "UNet, gaze". It is also
# the FGI student's network (cpu_mini/fgi.py).
_base_ = ['../unet.py']
widths = (8, 16, 32, 64, 128)
model = dict(
    type='WeaklySupervisedEncoderDecoder',
    train_label='gt_comp_seg',
    data_preprocessor=dict(size=(112, 112)),
    backbone=dict(widths=widths),
    decode_head=dict(in_channels=list(widths)))
