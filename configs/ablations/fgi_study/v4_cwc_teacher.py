# + CWC on the pixels where the teacher alone is confident (the released
# crc_loss), not where both networks are.
_base_ = ['./v3_tbg.py']
model = dict(cwc_loss=dict(region='teacher'))
