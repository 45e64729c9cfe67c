# Student-loss ablation: without CWC (paper 75.99).
_base_ = ['../fgi/kvasir.py']
model = dict(cwc_loss=None)
