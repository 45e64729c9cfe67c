# FGI on NCI-ISBI prostate MRI (1 channel, per-image z-score) with the
# paper's protocol; the data preprocessor only pads and stacks.
_base_ = [
    '../_base_/models/fgi_unet.py', '../_base_/datasets/nci_isbi.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
runner_type = 'TwoStageRunner'
_preprocessor = dict(
    type='SegDataPreProcessor', mean=None, std=None, bgr_to_rgb=False,
    pad_val=0, seg_pad_val=255, size=(224, 224))
model = dict(
    data_preprocessor=_preprocessor,
    teacher=dict(backbone=dict(in_channels=1)),
    backbone=dict(in_channels=1))
