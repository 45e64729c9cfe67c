# TransUNet scaled for the CPU benchmark (configs/_base_/schedules/
# cpu_mini.py, 112 x 112 input): the R50 layout (3, 4, 6 bottlenecks,
# GN + weight-standardised convs) at 1/8 of the widths, a 4-layer 128-d
# transformer over the stride-16 map (7 x 7 tokens), and the cascaded
# upsampler at 1/8 of the widths (last block 8 wide, as the UNet's finest
# scale). A training step (batch 8) costs about what the cpu_mini UNet's
# does. Trained on the comprehensive gaze pseudo-mask.
img_size = (112, 112)
stem_channels = 16
base_channels = 8
embed_dims = 128
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=img_size)
model = dict(
    type='WeaklySupervisedEncoderDecoder',
    train_label='gt_comp_seg',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='TransUNetEncoder',
        img_size=img_size,
        depth=50,
        stem_channels=stem_channels,
        base_channels=base_channels,
        num_stages=3,
        conv_cfg=dict(type='ConvWS'),
        # 2 channels per group in the narrowest convs, as R50's GN(32).
        norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
        embed_dims=embed_dims,
        num_layers=4,
        num_heads=4,
        mlp_ratio=4,
        drop_rate=0.1,
        attn_drop_rate=0.,
        drop_path_rate=0.,
        init_cfg=None),
    decode_head=dict(
        type='CascadedUpsamplerHead',
        # Skips at strides 2, 4, 8 (stem, 4x and 8x base width), then ViT.
        in_channels=[
            stem_channels, 4 * base_channels, 8 * base_channels, embed_dims
        ],
        head_channels=64,
        decoder_channels=(32, 16, 8, 8),
        num_classes=2,
        dropout_ratio=0,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
