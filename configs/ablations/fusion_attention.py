# Fusion ablation: cross-attention sum (the FGI default; paper 80.78).
_base_ = ['../fgi/kvasir.py']
