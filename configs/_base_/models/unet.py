# A plain UNet (UNetEncoder + UNetHead), 2-class output; the same network
# as the FGI student, so baselines and FGI deploy the same architecture.
norm_cfg = dict(type='BN', requires_grad=True)
unet_widths = (32, 64, 128, 256, 512)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
# UNetHead's settings, for every UNet here (the FGI teacher's at its widths).
unet_head = dict(
    type='UNetHead', num_classes=2, dropout_ratio=0, norm_cfg=norm_cfg)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='UNetEncoder', widths=unet_widths, norm_cfg=norm_cfg),
    decode_head=dict(
        unet_head,
        in_channels=list(unet_widths),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
