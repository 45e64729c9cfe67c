# fgi_released without its DARM, whose patches outline the lesion and
# collapse the student on unpatched images (docs/results.md).
_base_ = ['../../benchmark/kvasir/fgi_released.py']
model = dict(darm=None)
