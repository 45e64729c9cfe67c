# v3 without AFC (Eq. 9): what the feature term gives at the paper's weight.
_base_ = ['./v3_tbg.py']
model = dict(afc_loss=None)
