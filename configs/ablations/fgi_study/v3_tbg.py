# + the teacher learns from the whole 0.5 mask (t_bg = t_fg, as the
# released code's BCE): no ignored ring between H 0.05 and 0.5.
_base_ = ['./v2_teacher_4k.py']
_heatmap = dict(type='LoadGazeHeatmap', t_fg=0.5, t_bg=0.5, t_comp=0.3)
_load = [
    dict(type='LoadImageFromFile'), _heatmap,
    dict(type='LoadTextEmbedding', flip_variants=True),
    dict(type='GazeResize', scale=(112, 112), keep_ratio=False)
]
stages = dict(
    teacher=dict(
        train_dataloader=dict(
            dataset=dict(pipeline=[
                dict(type='CachedTransforms', transforms=_load),
                dict(type='GazeRandomFlip', prob=0.5, direction='horizontal'),
                dict(type='GazeRandomFlip', prob=0.5, direction='vertical'),
                dict(type='PackGazeSegInputs'),
            ]))))
