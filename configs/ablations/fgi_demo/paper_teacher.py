# The demo's FGI before the choices of configs/fgi/demo.py (commit
# b65ba6b, for the record): the teacher under the paper's SGD (its cosine
# decay over 400 iterations) and CWC as in the paper (Eqs. 10-12: where
# teacher and student are both confident, lambda_CWC = 1).
_base_ = ['./sgd_student.py']
model = dict(cwc_loss=dict(region='joint', loss_weight=1.0))
stages = dict(
    teacher=dict(
        optim_wrapper=dict(optimizer=dict(_base_.optimizer, _delete_=True)),
        param_scheduler=[
            dict(_base_.param_scheduler[0], end={{_base_.teacher_iters}})
        ]))
