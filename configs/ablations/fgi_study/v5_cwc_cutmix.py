# + the CWC view of the released cross supervision: the student sees a
# CutMix of (image + U(-0.2, 0.2) noise), the target is the teacher's cached
# clean-view logits cut-mixed the same way (one more student forward).
_base_ = ['./v4_cwc_teacher.py']
model = dict(cwc_view='cutmix_noise')
