# Fusion-stage ablation: text fused at the 2 deepest scale(s) (3, 4)
# (paper 80.10); AFC distils the same scales.
_base_ = ['../fgi/kvasir.py']
fusion_indices = (3, 4)
student_widths = (32, 64, 128, 256, 512)
model = dict(
    teacher=dict(neck=dict(fusion_indices=fusion_indices)),
    distill_indices=fusion_indices,
    student_channels=[student_widths[i] for i in fusion_indices])
