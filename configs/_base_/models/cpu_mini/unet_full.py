# CPU benchmark protocol: the same UNet as unet_gaze.py trained on the
# ground-truth masks (plain EncoderDecoder): the upper bound. Pair it with
# a dataset base's `train_pipeline_full`, the only one that loads masks.
_base_ = ['../unet.py']
widths = (8, 16, 32, 64, 128)
model = dict(
    data_preprocessor=dict(size=(112, 112)),
    backbone=dict(widths=widths),
    decode_head=dict(in_channels=list(widths)))
