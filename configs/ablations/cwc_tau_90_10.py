# CWC threshold ablation: tau_pos 0.90, tau_neg 0.10 (paper 80.54).
_base_ = ['../fgi/kvasir.py']
model = dict(cwc_loss=dict(tau_pos=0.90, tau_neg=0.10))
