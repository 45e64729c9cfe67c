# DARM ablation: without DARM (paper 76.21).
_base_ = ['../fgi/kvasir.py']
model = dict(darm=None)
