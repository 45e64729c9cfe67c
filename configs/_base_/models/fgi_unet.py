# FGI (method §5-§6): a text-guided UNet teacher and a UNet student.
# `model` is the student (the deployable network); `model.teacher` is the
# network that stage 1 trains (TwoStageRunner). The student is unet.py's
# UNet (same widths, preprocessing and head), distilled.
_base_ = ['./unet.py']
teacher_widths = (64, 128, 256, 512, 1024)
student_widths = _base_.unet_widths
# The bundled text encoder's width (all-MiniLM-L6-v2); roberta-base: 768.
text_channels = 384
fusion_indices = (1, 2, 3, 4)  # the 4 deepest scales
teacher_model = dict(
    type='TextGuidedEncoderDecoder',
    train_label='gt_sparse_seg',
    backbone=dict(_base_.model.backbone, widths=teacher_widths),
    neck=dict(
        type='TextVisionFusionNeck',
        in_channels=teacher_widths,
        text_channels=text_channels,
        fusion_indices=fusion_indices,
        num_heads=8,
        mode='attention'),
    decode_head=dict(
        _base_.unet_head,
        in_channels=list(teacher_widths),
        loss_decode=dict(type='PartialCrossEntropyLoss')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
model = dict(
    type='DistillEncoderDecoder',
    train_label='gt_comp_seg',
    teacher=teacher_model,
    distill_indices=fusion_indices,
    student_channels=[student_widths[i] for i in fusion_indices],
    # DARM marks dropped pixels 255: average the CE over the others.
    decode_head=dict(
        loss_decode=dict(type='CrossEntropyLoss', avg_non_ignore=True)),
    afc_loss=dict(type='AngularFeatureConsistencyLoss', loss_weight=0.1),
    cwc_loss=dict(
        type='ConfidenceWeightedConsistencyLoss',
        tau_pos=0.8,
        tau_neg=0.2,
        loss_weight=1.0),
    rampup_ratio=4000 / 15000)
# DARM is DistillEncoderDecoder's default (DARM_DEFAULTS): the paper's
# patches where teacher and student disagree, dropped pixels ignored.
# TwoStageRunner's per-stage overrides (none by default): the teacher stage
# trains model.teacher, and both read the dataset base's text_prefix
# (engine/config_derivation.stage_config).
stages = dict(teacher=dict(), student=dict())
