# Kvasir-SEG (read-only, ../shared/data/kvasir-seg: 800/100/100 split files)
# with real gaze. Derived files live in the repository's data/ folder:
#   python tools/gaze/build_gaze.py ../shared/data/kvasir-seg \
#       --fixations ../shared/data/gaze/kvasir_fixation.csv \
#       --out data/kvasir-gaze/heatmaps
#   python tools/text/describe.py ../shared/data/kvasir-seg \
#       --heatmaps $PWD/data/kvasir-gaze/heatmaps --describer gaze \
#       --out data/kvasir-gaze/descriptions.jsonl
#   python tools/text/encode.py data/kvasir-gaze/descriptions.jsonl \
#       --out-dir data/kvasir-gaze/embeddings
# Paths are relative to the repository root (data_root is empty).
dataset_type = 'KvasirSEGDataset'
image_root = '../shared/data/kvasir-seg'
gaze_root = 'data/kvasir-gaze'
crop_size = (224, 224)
gaze_thresholds = dict(t_fg=0.5, t_bg=0.05, t_comp=0.3)
# GazeMedSeg's threshold levels: one binary mask (and network) per level.
level_thresholds = (0.5, 0.3)
data_prefix = dict(
    img_path=image_root + '/images',
    seg_map_path=image_root + '/masks',
    heatmap_path=gaze_root + '/heatmaps')
data_prefix_text = dict(data_prefix, text_embed_path=gaze_root + '/embeddings')

_train_resize = dict(type='GazeResize', scale=crop_size, keep_ratio=False)
_train_heatmap = dict(type='LoadGazeHeatmap', **gaze_thresholds)
# Decoding, pseudo-masks and the resize give the same output every epoch:
# CachedTransforms keeps it per sample and worker (about 0.5 MB at
# 224 x 224), which keeps the data loader ahead of a GPU step.
_train_random = [
    dict(type='GazeRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='GazeRandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackGazeSegInputs'),
]
_train_cached = dict(type='CachedTransforms')
_train_load = [dict(type='LoadImageFromFile'), _train_heatmap]
train_pipeline = [
    dict(_train_cached, transforms=_train_load + [_train_resize])
] + _train_random
train_pipeline_text = [
    dict(
        _train_cached,
        transforms=_train_load +
        [dict(type='LoadTextEmbedding', flip_variants=True), _train_resize])
] + _train_random
# The released FGI recipe (fgi_released.py) trains both networks at once:
# the teacher's mask without an ignored band (t_bg = t_fg), the student's
# comprehensive mask, the text for the teacher.
train_pipeline_released = [
    dict(
        _train_cached,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(_train_heatmap, t_bg=gaze_thresholds['t_fg']),
            dict(type='LoadTextEmbedding', flip_variants=True), _train_resize
        ])
] + _train_random
# The fully supervised upper bound ("UNet, full") alone trains on masks.
train_pipeline_full = [
    dict(
        _train_cached,
        transforms=_train_load +
        [dict(type='LoadBinaryAnnotations'), _train_resize])
] + _train_random
# GazeMedSeg: the level masks gt_level{i}_seg (H >= level_thresholds[i]).
_train_load_levels = [
    dict(type='LoadImageFromFile'),
    dict(_train_heatmap, level_thresholds=level_thresholds)
]
train_pipeline_levels = [
    dict(_train_cached, transforms=_train_load_levels + [_train_resize])
] + _train_random
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadBinaryAnnotations'),
    dict(type='PackGazeSegInputs'),
]
test_pipeline_text = test_pipeline[:3] + [
    dict(type='LoadTextEmbedding'),
    dict(type='PackGazeSegInputs'),
]


def _split(name, pipeline):
    return dict(
        type=dataset_type,
        data_root='',
        ann_file=f'{image_root}/splits/{name}.txt',
        data_prefix=data_prefix,
        pipeline=pipeline)


train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=_split('train', train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_split('val', test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_split('test', test_pipeline))
val_evaluator = dict(type='MedicalSegMetric')
test_evaluator = val_evaluator

_text_train = dict(
    dataset=dict(data_prefix=data_prefix_text, pipeline=train_pipeline_text))
_text_eval = dict(
    dataset=dict(data_prefix=data_prefix_text, pipeline=test_pipeline_text))
# Per-stage overrides for FGI's TwoStageRunner (unused by other runners).
stages = dict(
    teacher=dict(
        train_dataloader=_text_train,
        val_dataloader=_text_eval,
        test_dataloader=_text_eval),
    student=dict(train_dataloader=_text_train))
