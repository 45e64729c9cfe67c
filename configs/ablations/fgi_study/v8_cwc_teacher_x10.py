# v7 at lambda_CWC = 10: the student all but imitates the teacher's
# confident region, its CE on the 0.3 mask left for the rest.
_base_ = ['./v7_cwc_teacher_x3.py']
model = dict(cwc_loss=dict(loss_weight=10.0))
