# GazeMedSeg on the synthetic demo data: one network per gaze threshold
# level (0.5, 0.3), trained on the level masks only and evaluated against
# ground truth. Each level has the demo's FGI student widths, like
# unet_gaze_demo.py.
_base_ = [
    '../_base_/models/gazemedseg.py', '../_base_/datasets/demo_polyp.py',
    '../_base_/default_runtime.py', '../_base_/schedules/demo_1k.py'
]
widths = (8, 16, 32, 64, 128)
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(widths=widths),
    decode_head=dict(in_channels=list(widths)))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_levels))
