# The authors' released FGI recipe (CrossSupervisedEncoderDecoder): the
# networks of fgi_unet.py, trained jointly and online with mutual
# CutMix+noise cross supervision; the student is evaluated and deployed.
_base_ = ['./fgi_unet.py']
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
    # The teacher's mask is the smaller one (H >= t_fg with t_bg = t_fg:
    # nothing ignored), the student's the larger one (H >= t_comp).
    teacher_label='gt_sparse_seg',
    train_label='gt_comp_seg',
    rampup_ratio=_fgi.rampup_ratio,
    darm=dict(ratio=0.3, patch_sizes=(3, 5, 7, 9, 11), reference_size=224,
              drop_label=0, seed=0),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
