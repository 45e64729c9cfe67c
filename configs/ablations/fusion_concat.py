# Fusion ablation: concatenation instead of the attention sum (paper 80.02).
_base_ = ['../fgi/kvasir.py']
model = dict(teacher=dict(neck=dict(mode='concat')))
