# v4 (CWC on the teacher-confident region) at lambda_CWC = 3, the weight
# the demo chose on its val split: the teacher's confident pixels outweigh
# the student's CE on the comprehensive 0.3 mask where the two disagree.
_base_ = ['./v4_cwc_teacher.py']
model = dict(cwc_loss=dict(loss_weight=3.0))
