# TransUNet (Chen et al., 2021), R50-ViT-B/16, trained on the comprehensive
# gaze pseudo-mask (H >= 0.3) like the other gaze baselines: a ResNet-50
# (3 stages, GroupNorm + weight-standardised convs) to stride 16, 12
# ViT-B layers over that map (patch size 1), then the cascaded upsampler
# with skips at strides 8, 4 and 2, 2-class output at the input size. The
# preprocessing, head settings and loss are unet.py's.
# Trained from scratch unless converted R50+ViT-B/16 weights are given:
#   backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='r50_vit.pth'))
# (keys as TransUNetEncoder's state_dict; a pos_embed for another grid is
# interpolated on load).
_base_ = ['./unet.py']
stem_channels = 64
base_channels = 64
embed_dims = 768
model = dict(
    type='WeaklySupervisedEncoderDecoder',
    train_label='gt_comp_seg',
    backbone=dict(
        _delete_=True,
        type='TransUNetEncoder',
        img_size=(224, 224),
        depth=50,
        stem_channels=stem_channels,
        base_channels=base_channels,
        num_stages=3,
        conv_cfg=dict(type='ConvWS'),
        norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
        embed_dims=embed_dims,
        num_layers=12,
        num_heads=12,
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
        head_channels=512,
        decoder_channels=(256, 128, 64, 16)))
