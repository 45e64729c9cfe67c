# DARM ablation: with DARM on teacher/student disagreement (the default).
_base_ = ['../fgi/kvasir.py']
