# NCI-ISBI 2013 prostate MRI as 2-D PNG slices with non-empty masks
# (789 train / 117 test slices in the paper; carve val from train). The
# slices are not in ../shared/data (only the fixations are); put them at
# data/nci-isbi/{images,masks,splits} and build heatmaps with sigma 50:
#   python tools/gaze/build_gaze.py data/nci-isbi --img-suffix .png \
#       --fixations ../shared/data/gaze/nci-isbi_fixation.csv --sigma 50
_base_ = ['./kvasir.py']
dataset_type = 'NCIISBIDataset'
image_root = 'data/nci-isbi'
gaze_root = 'data/nci-isbi/gaze'
_prefix = dict(
    img_path=image_root + '/images',
    seg_map_path=image_root + '/masks',
    heatmap_path=gaze_root + '/heatmaps')
text_prefix = dict(text_embed_path=gaze_root + '/embeddings')
# kvasir.py's transforms on one channel, normalised per image (z-score),
# and not cached.
_load = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='PerImageZScore')
]
_scale = dict(scale=(224, 224), keep_ratio=False)
train_pipeline = _load + [
    _base_._heatmap, _base_._text,
    dict(type='SegFieldsResize', **_scale)
] + _base_._flips + [_base_._pack]
test_pipeline = _load + [
    dict(type='Resize', **_scale), _base_._masks,
    dict(type='LoadTextEmbedding'), _base_._pack
]
_dataset = dict(type=dataset_type, data_prefix=_prefix)
_splits = image_root + '/splits/'
train_dataloader = dict(dataset=dict(
    _dataset, ann_file=_splits + 'train.txt', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    _dataset, ann_file=_splits + 'val.txt', pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(
    _dataset, ann_file=_splits + 'test.txt', pipeline=test_pipeline))
