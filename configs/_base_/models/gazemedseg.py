# GazeMedSeg (Zhong et al., MICCAI 2024; SPEC.md §7): one UNet per gaze
# threshold level (H >= 0.5, H >= 0.3; the dataset's train_pipeline_levels
# loads the level masks), each trained with 2-class CE on its level (the
# same as BCE on the logit difference), plus the cross-level propagation
# consistency (5 x 5, dilation 2) with weight 3. Prediction: the mean of
# the level logits. Each level is the UNet of unet.py (the FGI student).
norm_cfg = dict(type='BN', requires_grad=True)
unet_widths = (32, 64, 128, 256, 512)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='MultiLevelGazeEncoderDecoder',
    data_preprocessor=data_preprocessor,
    level_fields=('gt_level0_seg', 'gt_level1_seg'),
    consistency_loss=dict(
        type='CrossLevelPropagationConsistencyLoss',
        kernel_size=5,
        dilation=2,
        loss_weight=3.0),
    backbone=dict(type='UNetEncoder', widths=unet_widths, norm_cfg=norm_cfg),
    decode_head=dict(
        type='UNetHead',
        in_channels=list(unet_widths),
        num_classes=2,
        dropout_ratio=0,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
