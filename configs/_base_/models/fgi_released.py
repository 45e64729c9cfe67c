# The authors' released FGI recipe (CrossSupervisedEncoderDecoder): the
# networks of fgi_unet.py, trained jointly and online with mutual
# CutMix+noise cross supervision; the student is evaluated and deployed.
_base_ = ['./fgi_unet.py']
# fgi_unet.py's networks, labels and ramp-up; not the student losses and
# DARM of the paper's student stage.
_paper_only = ('type', 'afc_loss', 'cwc_loss', 'darm')
model = dict(
    {k: v for k, v in _base_.model.items() if k not in _paper_only},
    _delete_=True,
    type='CrossSupervisedEncoderDecoder',
    # The teacher's mask is the smaller one (H >= t_fg with t_bg = t_fg:
    # nothing ignored), the student's the larger one (H >= t_comp).
    teacher_label='gt_sparse_seg',
    darm=dict(ratio=0.3, patch_sizes=(3, 5, 7, 9, 11), reference_size=224,
              drop_label=0, seed=0))
