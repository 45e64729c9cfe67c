# + shortcut-free DARM (paper's patches and ratio, teacher/student
# disagreement) on v3, the best configuration so far on val (v4 and v5
# lost): decoy patches outside the disagreement as large as those inside,
# the CWC term on the unpatched image, no BatchNorm update from the extra
# no-grad forward.
_base_ = ['./v3_tbg.py']
model = dict(
    darm=dict(_delete_=True, ratio=0.3, patch_sizes=(3, 5, 7, 9, 11),
              reference_size=224,
              source='predictions', drop_label=255, seed=0, decoys=1.0,
              clean_consistency=True, bn_update=False))
