# DARM variant of the authors' released code: disagreement between the
# sparse and comprehensive masks, dropped pixels labelled background.
_base_ = ['../fgi/kvasir.py']
model = dict(darm=dict(source='masks', drop_label=0))
