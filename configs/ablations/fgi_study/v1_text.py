# + flip-consistent text: a flipped sample carries the encoding of its
# mirrored report (fgi_mmseg/text/flip.py). This is the benchmark default.
_base_ = ['../../benchmark/kvasir/fgi.py']
