# TransUNet scaled for the CPU benchmark (configs/_base_/schedules/
# cpu_mini.py, 112 x 112 input): the R50 layout (3, 4, 6 bottlenecks,
# GN + weight-standardised convs) at 1/8 of the widths, a 4-layer 128-d
# transformer over the stride-16 map (7 x 7 tokens), and the cascaded
# upsampler at 1/8 of the widths (last block 8 wide, as the UNet's finest
# scale). A training step (batch 8) costs about what the cpu_mini UNet's
# does. Trained on the comprehensive gaze pseudo-mask.
_base_ = ['../transunet.py']
img_size = (112, 112)
stem_channels = 16
base_channels = 8
embed_dims = 128
model = dict(
    data_preprocessor=dict(size=img_size),
    backbone=dict(
        img_size=img_size,
        stem_channels=stem_channels,
        base_channels=base_channels,
        # 2 channels per group in the narrowest convs, as R50's GN(32).
        norm_cfg=dict(num_groups=4),
        embed_dims=embed_dims,
        num_layers=4,
        num_heads=4),
    decode_head=dict(
        in_channels=[
            stem_channels, 4 * base_channels, 8 * base_channels, embed_dims
        ],
        head_channels=64,
        decoder_channels=(32, 16, 8, 8)))
