# CPU benchmark protocol: the released FGI recipe (../fgi_released.py) on
# the networks of cpu_mini/fgi.py (teacher 12..192, student 8..128).
_base_ = ['./fgi.py']
_fgi = _base_.model
model = dict(
    _delete_=True,
    type='CrossSupervisedEncoderDecoder',
    data_preprocessor=_fgi.data_preprocessor,
    teacher=_fgi.teacher,
    backbone=_fgi.backbone,
    decode_head=_fgi.decode_head,
    student_channels=_fgi.student_channels,
    distill_indices=_fgi.distill_indices,
    teacher_label='gt_sparse_seg',
    train_label='gt_comp_seg',
    rampup_ratio=_fgi.rampup_ratio,
    darm=dict(ratio=0.3, patch_sizes=(3, 5, 7, 9, 11), reference_size=224,
              drop_label=0, seed=0),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
