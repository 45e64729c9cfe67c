# GazeMedSeg on Kvasir-SEG with real gaze, the authors' protocol (method
# §7): 224 x 224, batch 8, SGD with cosine decay over 15,000 iterations.
# Trained on the two threshold-level masks of the gaze heatmap only.
_base_ = [
    '../_base_/models/gazemedseg.py', '../_base_/datasets/kvasir.py',
    '../_base_/default_runtime.py', '../_base_/schedules/paper_15k.py'
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_levels))
