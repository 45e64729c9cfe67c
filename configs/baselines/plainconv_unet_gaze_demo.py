# "UNet, gaze" on the demo data with nnU-Net's encoder (PlainConvUNetEncoder:
# strided convolutions, instance norm, LeakyReLU) in mmseg's runner, under
# the same UNetHead decoder and the same comprehensive gaze pseudo-mask.
_base_ = ['./unet_gaze_demo.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='PlainConvUNetEncoder',
        features_per_stage=_base_.widths))
