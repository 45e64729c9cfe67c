# sgd_student.py (the demo's FGI, student under SGD) with CWC as in the
# paper (Eqs. 10-12: where teacher and student are both confident,
# lambda_CWC = 1): the AdamW teacher alone.
_base_ = ['./sgd_student.py']
model = dict(cwc_loss=dict(region='joint', loss_weight=1.0))
