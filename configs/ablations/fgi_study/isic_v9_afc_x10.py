# ISIC's benchmark FGI (v3's recipe) with v9's change: AFC (Eq. 9) at 10x
# the paper's weight. Its teacher is the benchmark FGI's.
_base_ = ['../../benchmark/isic/fgi.py']
model = dict(afc_loss=dict(loss_weight=1.0))
