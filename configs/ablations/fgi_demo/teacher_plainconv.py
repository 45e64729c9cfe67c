# FGI on the demo data with nnU-Net's encoder (PlainConvUNetEncoder) under
# the teacher's text-vision fusion neck; the student stays the demo's UNet.
_base_ = ['../../fgi/demo.py']
model = dict(
    teacher=dict(
        backbone=dict(
            _delete_=True,
            type='PlainConvUNetEncoder',
            features_per_stage=_base_.teacher_widths)))
