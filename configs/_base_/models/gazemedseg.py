# GazeMedSeg (Zhong et al., MICCAI 2024; method §7): one UNet per gaze
# threshold level (H >= 0.5, H >= 0.3; the dataset's train_pipeline_levels
# loads the level masks), each trained with 2-class CE on its level (the
# same as BCE on the logit difference), plus the cross-level propagation
# consistency (5 x 5, dilation 2) with weight 3. Prediction: the mean of
# the level logits. Each level is the UNet of unet.py (the FGI student).
_base_ = ['./unet.py']
model = dict(
    type='MultiLevelGazeEncoderDecoder',
    level_fields=('gt_level0_seg', 'gt_level1_seg'),
    consistency_loss=dict(
        type='CrossLevelPropagationConsistencyLoss',
        kernel_size=5,
        dilation=2,
        loss_weight=3.0))
