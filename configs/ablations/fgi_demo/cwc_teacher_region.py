# configs/fgi/demo.py at the paper's lambda_CWC = 1: CWC on the teacher's
# confident region, not outweighing the comprehensive mask's CE.
_base_ = ['../../fgi/demo.py']
model = dict(cwc_loss=dict(loss_weight=1.0))
