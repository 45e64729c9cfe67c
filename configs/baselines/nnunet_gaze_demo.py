# nnU-Net trained on the comprehensive gaze pseudo-mask of the demo data:
#   python tools/misc/train_nnunet.py configs/baselines/nnunet_gaze_demo.py \
#       --work-dir work_dirs/demo/nnunet_gaze
_base_ = [
    '../_base_/models/nnunet.py', '../_base_/datasets/demo_polyp.py',
    '../_base_/default_runtime.py', '../_base_/schedules/demo_1k.py'
]
