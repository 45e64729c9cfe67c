# fgi_released with the released code's DARM (mask-disagreement patches
# labelled background), as first benchmarked: the student collapses on
# unpatched images. The benchmark's fgi_released has it off.
_base_ = ['../../benchmark/kvasir/fgi_released.py']
model = dict(
    darm=dict(_delete_=True, ratio=0.3, patch_sizes=(3, 5, 7, 9, 11),
              reference_size=224, drop_label=0, seed=0))
