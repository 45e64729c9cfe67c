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
_load = dict(type='LoadImageFromFile', color_type='grayscale')
_zscore = dict(type='PerImageZScore')
_gaze = dict(type='LoadGazeHeatmap', t_fg=0.5, t_bg=0.05, t_comp=0.3)
_text = dict(type='LoadTextEmbedding')
_aug = [
    dict(type='GazeResize', scale=(224, 224), keep_ratio=False),
    dict(type='GazeRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='GazeRandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackGazeSegInputs'),
]
_resize = dict(type='Resize', scale=(224, 224), keep_ratio=False)
_gt = dict(type='LoadBinaryAnnotations')
_pack = dict(type='PackGazeSegInputs')
train_pipeline = [_load, _zscore, _gaze] + _aug
# Flip variants: the text follows the flips (fgi_mmseg/text/flip.py).
train_pipeline_text = [_load, _zscore, _gaze,
                       dict(_text, flip_variants=True)] + _aug
test_pipeline = [_load, _zscore, _resize, _gt, _pack]
test_pipeline_text = [_load, _zscore, _resize, _gt, _text, _pack]
_embeddings = dict(_prefix, text_embed_path=gaze_root + '/embeddings')
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=image_root + '/splits/train.txt',
        data_prefix=_prefix,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=image_root + '/splits/val.txt',
        data_prefix=_prefix,
        pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=image_root + '/splits/test.txt',
        data_prefix=_prefix,
        pipeline=test_pipeline))
_teacher_eval = dict(
    dataset=dict(data_prefix=_embeddings, pipeline=test_pipeline_text))
# Per-stage overrides for FGI's TwoStageRunner (unused by other runners).
_train_text = dict(
    dataset=dict(data_prefix=_embeddings, pipeline=train_pipeline_text))
stages = dict(
    teacher=dict(
        train_dataloader=_train_text,
        val_dataloader=_teacher_eval,
        test_dataloader=_teacher_eval),
    student=dict(train_dataloader=_train_text))
