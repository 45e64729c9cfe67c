# The fast CPU benchmark protocol ("cpu_fast"): cpu_mini.py's schedule with
# the forward pass under bf16 autocast (AutocastOptimWrapper; weights,
# gradients and AdamW states stay fp32) where the CPU has native bf16
# kernels (AVX-512; emulated bf16 on an AVX2-only CPU ran 7.5x slower than
# fp32, so there the step stays fp32), and channels-last convolutions
# (ChannelsLastHook). Evaluation runs in fp32. The same configs use it on a
# GPU. The optimiser runs PyTorch's fused kernel (one pass over all
# parameters instead of a loop of small ops per tensor). glibc keeps the
# memory a step frees for the next step instead of handing it back to the
# kernel (RetainFreedMemoryHook: no page faults on every iteration's
# buffers; results unchanged).
# tools/analysis/speed_train_step.py measures the step per method.
_base_ = ['./cpu_mini.py']
optim_wrapper = dict(
    type='AutocastOptimWrapper', dtype='auto',
    optimizer=dict(fused=True))
custom_hooks = [
    dict(type='ChannelsLastHook'),
    dict(type='RetainFreedMemoryHook')
]
