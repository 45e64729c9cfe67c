# UNet-gaze on the 0.5 pseudo-mask (H >= 0.5, the threshold of the
# GazeMedSeg reference's single-level UNet) instead of 0.3; chosen on the
# validation split (docs/results.md, "FGI ingredient study").
_base_ = ['../../benchmark/kvasir/unet_gaze.py']
_load = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGazeHeatmap', t_fg=0.5, t_bg=0.05, t_comp=0.5),
    dict(type='SegFieldsResize', scale=(112, 112), keep_ratio=False)
]
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='CachedTransforms', transforms=_load),
        dict(type='SegFieldsRandomFlip', prob=0.5, direction='horizontal'),
        dict(type='SegFieldsRandomFlip', prob=0.5, direction='vertical'),
        dict(type='PackGazeSegInputs'),
    ]))
