# sgd_student.py (the demo's FGI, student under SGD) at the paper's
# lambda_CWC = 1: CWC on the teacher's confident region, not outweighing
# the comprehensive mask's CE.
_base_ = ['./sgd_student.py']
model = dict(cwc_loss=dict(loss_weight=1.0))
