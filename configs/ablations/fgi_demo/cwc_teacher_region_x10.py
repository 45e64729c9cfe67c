# configs/fgi/demo.py at lambda_CWC = 10 (CWC on the teacher's confident
# region): the student all but imitates the teacher where it is confident.
_base_ = ['../../fgi/demo.py']
model = dict(cwc_loss=dict(loss_weight=10.0))
