# GazeMedSeg for the CPU benchmark protocol (configs/_base_/schedules/
# cpu_mini.py, 112 x 112 inputs): the paper model with the benchmark's
# UNet widths, so it compares with the other cpu_mini baselines.
_base_ = ['../gazemedseg.py']
widths = (8, 16, 32, 64, 128)
model = dict(
    data_preprocessor=dict(size=(112, 112)),
    backbone=dict(widths=widths),
    decode_head=dict(in_channels=list(widths)))
