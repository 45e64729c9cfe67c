# Student-loss ablation: neither AFC nor CWC (paper 75.45).
_base_ = ['../fgi/kvasir.py']
model = dict(afc_loss=None, cwc_loss=None)
