# As kvasir_darm_predictions.py with the released code's DARM: the
# disagreement of the sparse and comprehensive gaze masks, dropped pixels
# labelled background.
_base_ = ['./kvasir_darm_predictions.py']
model = dict(darm=dict(source='masks', drop_label=0))
