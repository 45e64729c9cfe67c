# Synthetic polyps with simulated gaze (generated under data/demo on first
# use; FGI configs also get descriptions and text embeddings). Train
# pipelines load no ground truth: only the gaze heatmap and the
# pseudo-masks derived from it (method §2).
dataset_type = 'DemoPolypDataset'
data_root = 'data/demo'
# Images are 96 x 96; training runs at 64 x 64 so the demo fits in minutes
# on 2 CPU cores, and metrics are computed back at 96 x 96.
crop_size = (64, 64)
gaze_thresholds = dict(t_fg=0.5, t_bg=0.05, t_comp=0.3)
# GazeMedSeg's threshold levels: one binary mask (and network) per level.
level_thresholds = (0.5, 0.3)
data_prefix = dict(
    img_path='images', seg_map_path='masks', heatmap_path='gaze/heatmaps')
# The text embeddings, for FGI's stages (as in kvasir.py).
text_prefix = dict(text_embed_path='embeddings')

_augment = [
    dict(type='SegFieldsResize', scale=crop_size, keep_ratio=False),
    dict(type='SegFieldsRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='SegFieldsRandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackGazeSegInputs'),
]
# Flip variants: the text follows the flips (fgi_mmseg/text/flip.py).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGazeHeatmap', **gaze_thresholds),
    dict(type='LoadTextEmbedding', flip_variants=True),
] + _augment
# The name configs/ablations/fgi_demo/ reads.
train_pipeline_text = train_pipeline
# The released code's teacher mask: the whole 0.5 mask (t_bg = t_fg).
train_pipeline_released = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGazeHeatmap',
         **dict(gaze_thresholds, t_bg=gaze_thresholds['t_fg'])),
    dict(type='LoadTextEmbedding', flip_variants=True),
] + _augment
# GazeMedSeg: the level masks gt_level{i}_seg (H >= level_thresholds[i]).
train_pipeline_levels = [
    dict(type='LoadImageFromFile'),
    dict(
        type='LoadGazeHeatmap',
        **gaze_thresholds,
        level_thresholds=level_thresholds),
] + _augment
# Ground truth is loaded after the resize, so metrics are computed at the
# original label resolution.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadBinaryAnnotations'),
    dict(type='LoadTextEmbedding'),
    dict(type='PackGazeSegInputs'),
]


def _loader(split, pipeline):
    return dict(
        batch_size=1,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            ann_file=f'splits/{split}.txt',
            data_prefix=data_prefix,
            pipeline=pipeline))


train_dataloader = dict(
    _loader('train', train_pipeline),
    batch_size=8,
    sampler=dict(type='InfiniteSampler', shuffle=True))
val_dataloader = _loader('val', test_pipeline)
test_dataloader = _loader('test', test_pipeline)
val_evaluator = dict(type='MedicalSegMetric')
test_evaluator = val_evaluator
