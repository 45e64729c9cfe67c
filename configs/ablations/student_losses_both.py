# Student-loss ablation: CE + AFC + CWC (the FGI default; paper 80.78).
_base_ = ['../fgi/kvasir.py']
