# Student-loss ablation: without AFC (paper 79.61).
_base_ = ['../fgi/kvasir.py']
model = dict(afc_loss=None)
