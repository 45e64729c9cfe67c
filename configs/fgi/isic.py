# FGI on ISIC 2017 with simulated gaze and the paper's protocol (method §7).
_base_ = [
    '../_base_/models/fgi_unet.py', '../_base_/datasets/isic2017.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
runner_type = 'TwoStageRunner'
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
