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
# The text embeddings, for the networks that read text: FGI's two stages
# add them to the teacher's dataloaders and the student's training one
# (engine/config_derivation.stage_config). Without them in a dataset's
# data_prefix, the pipelines' LoadTextEmbedding passes samples through.
text_prefix = dict(text_embed_path=gaze_root + '/embeddings')

_image = dict(type='LoadImageFromFile')
_heatmap = dict(type='LoadGazeHeatmap', **gaze_thresholds)
# The text follows the flips: the mirrored reports' encodings are loaded
# once and SegFieldsRandomFlip picks the flipped image's
# (fgi_mmseg/text/flip.py).
_text = dict(type='LoadTextEmbedding', flip_variants=True)
_masks = dict(type='LoadBinaryAnnotations')
_pack = dict(type='PackGazeSegInputs')
_flips = [
    dict(type='SegFieldsRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='SegFieldsRandomFlip', prob=0.5, direction='vertical'),
]


def _train(*loads):
    """Loading, pseudo-masks and the resize give the same output every
    epoch: CachedTransforms keeps it per sample and worker (about 0.5 MB
    at 224 x 224), which keeps the data loader ahead of a GPU step. The
    flips stay random."""
    resize = dict(type='SegFieldsResize', scale=crop_size, keep_ratio=False)
    return [
        dict(type='CachedTransforms', transforms=[_image, *loads, resize])
    ] + _flips + [_pack]


train_pipeline = _train(_heatmap, _text)
# The released FGI recipe (fgi_released.py) trains both networks at once:
# the teacher's mask without an ignored band (t_bg = t_fg), the student's
# comprehensive mask, the text for the teacher.
train_pipeline_released = _train(
    dict(_heatmap, t_bg=gaze_thresholds['t_fg']), _text)
# The fully supervised upper bound ("UNet, full") alone trains on masks.
train_pipeline_full = _train(_heatmap, _masks)
# GazeMedSeg: the level masks gt_level{i}_seg (H >= level_thresholds[i]).
train_pipeline_levels = _train(
    dict(_heatmap, level_thresholds=level_thresholds))
# Ground truth is loaded after the resize, so metrics are computed at the
# original label resolution.
test_pipeline = [
    _image,
    dict(type='Resize', scale=crop_size, keep_ratio=False), _masks,
    dict(type='LoadTextEmbedding'), _pack
]


def _split(name, pipeline):
    return dict(
        type=dataset_type,
        data_root='',
        ann_file=f'{image_root}/splits/{name}.txt',
        data_prefix=data_prefix,
        pipeline=pipeline)


_loader = dict(batch_size=1, num_workers=2, persistent_workers=True)
_in_order = dict(type='DefaultSampler', shuffle=False)
train_dataloader = dict(
    _loader,
    batch_size=8,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=_split('train', train_pipeline))
val_dataloader = dict(
    _loader, sampler=_in_order, dataset=_split('val', test_pipeline))
test_dataloader = dict(
    _loader, sampler=_in_order, dataset=_split('test', test_pipeline))
val_evaluator = dict(type='MedicalSegMetric')
test_evaluator = val_evaluator
