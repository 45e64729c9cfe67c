# Pipelines of the CPU benchmark protocol: 112 x 112, flips, the same
# transforms as the paper-protocol dataset bases. Used by *_cpu_mini.py,
# which set them on their dataloaders (metrics stay at each mask's
# original resolution: ground truth is loaded after the resize).
mini_crop_size = (112, 112)
_mini_heatmap = dict(type='LoadGazeHeatmap', t_fg=0.5, t_bg=0.05, t_comp=0.3)
_mini_resize = dict(type='GazeResize', scale=mini_crop_size, keep_ratio=False)
# Decoding, pseudo-masks and the resize give the same output every epoch:
# CachedTransforms keeps it per sample (about 0.1 MB at 112 x 112), which
# frees the CPU time the dataloader workers took from the 2-core step.
_mini_random = [
    dict(type='GazeRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='GazeRandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackGazeSegInputs'),
]
_mini_cached = dict(type='CachedTransforms')
# The text follows the flips: the mirrored reports' encodings are loaded
# once and GazeRandomFlip picks the flipped image's (fgi_mmseg/text/flip.py).
_mini_text = dict(type='LoadTextEmbedding', flip_variants=True)
_mini_load = [dict(type='LoadImageFromFile'), _mini_heatmap]
mini_train_pipeline = [dict(_mini_cached, transforms=_mini_load + [_mini_resize])
                       ] + _mini_random
mini_train_pipeline_text = [
    dict(
        _mini_cached,
        transforms=_mini_load + [_mini_text, _mini_resize])
] + _mini_random
# Before flip-consistent text (for the record): the text stays unflipped.
mini_train_pipeline_text_unflipped = [
    dict(
        _mini_cached,
        transforms=_mini_load + [dict(type='LoadTextEmbedding'), _mini_resize])
] + [dict(t, text='keep') for t in _mini_random[:2]] + _mini_random[2:]
# The released FGI recipe: the teacher's mask without an ignored band.
mini_train_pipeline_released = [
    dict(
        _mini_cached,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(_mini_heatmap, t_bg=_mini_heatmap['t_fg']), _mini_text,
            _mini_resize
        ])
] + _mini_random
# The fully supervised upper bound alone trains on masks.
mini_train_pipeline_full = [
    dict(
        _mini_cached,
        transforms=_mini_load +
        [dict(type='LoadBinaryAnnotations'), _mini_resize])
] + _mini_random
# GazeMedSeg: one binary mask per heatmap threshold level (gt_level{i}_seg).
_mini_load_levels = [
    dict(type='LoadImageFromFile'),
    dict(_mini_heatmap, level_thresholds=(0.5, 0.3))
]
mini_train_pipeline_levels = [
    dict(_mini_cached, transforms=_mini_load_levels + [_mini_resize])
] + _mini_random
mini_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=mini_crop_size, keep_ratio=False),
    dict(type='LoadBinaryAnnotations'),
    dict(type='PackGazeSegInputs'),
]
mini_test_pipeline_text = mini_test_pipeline[:3] + [
    dict(type='LoadTextEmbedding'),
    dict(type='PackGazeSegInputs'),
]
