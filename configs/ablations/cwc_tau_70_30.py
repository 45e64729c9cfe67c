# CWC threshold ablation: tau_pos 0.70, tau_neg 0.30 (paper 80.58).
_base_ = ['../fgi/kvasir.py']
model = dict(cwc_loss=dict(tau_pos=0.70, tau_neg=0.30))
