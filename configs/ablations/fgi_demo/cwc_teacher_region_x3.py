# cwc_teacher_region.py with lambda_CWC = 3: the teacher's confident
# pixels outweigh the comprehensive mask's CE where the two disagree.
_base_ = ['./cwc_teacher_region.py']
model = dict(cwc_loss=dict(loss_weight=3.0))
