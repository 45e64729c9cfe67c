# The authors' released FGI recipe (CrossSupervisedEncoderDecoder): the
# networks of fgi_unet.py, trained jointly and online with mutual
# CutMix+noise cross supervision; the student is evaluated and deployed.
_base_ = ['./fgi_unet.py']
# fgi_unet.py's networks, labels and ramp-up; not the student losses and
# DARM of the paper's student stage. DARM is the released code's
# (CrossSupervisedEncoderDecoder's default: patches where the two masks
# disagree, dropped pixels labelled background).
_paper_only = ('type', 'afc_loss', 'cwc_loss', 'darm')
model = dict(
    {k: v for k, v in _base_.model.items() if k not in _paper_only},
    _delete_=True,
    type='CrossSupervisedEncoderDecoder',
    # The teacher's mask is the smaller one (H >= t_fg with t_bg = t_fg:
    # nothing ignored), the student's the larger one (H >= t_comp).
    teacher_label='gt_sparse_seg')
