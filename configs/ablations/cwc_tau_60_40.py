# CWC threshold ablation: tau_pos 0.60, tau_neg 0.40 (paper 80.11).
_base_ = ['../fgi/kvasir.py']
model = dict(cwc_loss=dict(tau_pos=0.60, tau_neg=0.40))
