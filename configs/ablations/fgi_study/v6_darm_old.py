# v6 with DARM as first implemented, for the record: no decoys, every
# student loss on the patched image, BatchNorm updated by the extra forward.
_base_ = ['./v6_darm.py']
model = dict(darm=dict(decoys=0.0, clean_consistency=False, bn_update=True))
