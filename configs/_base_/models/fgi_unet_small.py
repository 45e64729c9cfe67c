# FGI at the widths that train on 2 CPU cores (the demo, the CPU benchmark
# protocol): the student is the UNet of cpu_mini/unet_gaze.py (8..128) and
# the teacher 1.5x as wide (the paper: 2x). DARM is off: at these input
# sizes (64 and 112 px) its 3-11 px patches, scaled from 224, shrink to a
# few pixels, and on the demo it cost student validation Dice
# (configs/fgi/demo.py). model.darm=dict(source='predictions') turns it on
# with its defaults. The input size is the user's.
_base_ = ['./fgi_unet.py']
teacher_widths = (12, 24, 48, 96, 192)
student_widths = (8, 16, 32, 64, 128)
model = dict(
    teacher=dict(
        backbone=dict(widths=teacher_widths),
        neck=dict(
            in_channels=teacher_widths,
            num_heads=4,
            pos_embed_size=(8, 8)),
        decode_head=dict(in_channels=list(teacher_widths))),
    student_channels=[student_widths[i] for i in _base_.fusion_indices],
    backbone=dict(widths=student_widths),
    decode_head=dict(in_channels=list(student_widths)),
    darm=None)
