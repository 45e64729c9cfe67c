# CWC threshold ablation: tau_pos 0.80, tau_neg 0.20 (paper 80.78).
_base_ = ['../fgi/kvasir.py']
model = dict(cwc_loss=dict(tau_pos=0.80, tau_neg=0.20))
