# sgd_student.py (the demo's FGI, student under SGD) at lambda_CWC = 10
# (CWC on the teacher's confident region): the student all but imitates
# the teacher where it is confident.
_base_ = ['./sgd_student.py']
model = dict(cwc_loss=dict(loss_weight=10.0))
