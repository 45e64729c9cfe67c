# ISIC 2017 (read-only, ../shared/data/isic2017, 256 x 256: 800/200 train/
# val from the training set, 98 test) with gaze simulated from the masks:
#   python tools/gaze/build_gaze.py ../shared/data/isic2017/train \
#       --simulate --seed 0 --fixations data/isic-gaze/train_fixations.csv \
#       --masks masks --mask-suffix _segmentation.png \
#       --out data/isic-gaze/heatmaps
#   (and the same for ../shared/data/isic2017/test), then describe.py and
#   encode.py into data/isic-gaze/ as for Kvasir.
_base_ = ['./kvasir.py']
dataset_type = 'ISIC2017Dataset'
image_root = '../shared/data/isic2017'
gaze_root = 'data/isic-gaze'
crop_size = (224, 224)
_train = dict(
    img_path=image_root + '/train/images',
    seg_map_path=image_root + '/train/masks',
    heatmap_path=gaze_root + '/heatmaps')
_test = dict(
    img_path=image_root + '/test/images',
    seg_map_path=image_root + '/test/masks',
    heatmap_path=gaze_root + '/heatmaps')
_embeddings = dict(text_embed_path=gaze_root + '/embeddings')
# The training images with their text (kvasir.py's name).
data_prefix_text = dict(_train, **_embeddings)

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=image_root + '/splits/train.txt',
        data_prefix=_train))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=image_root + '/splits/val.txt',
        data_prefix=_train))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=image_root + '/splits/test.txt',
        data_prefix=_test))
# Per-stage overrides for FGI's TwoStageRunner (unused by other runners).
_train_text = dict(dataset=dict(data_prefix=dict(_train, **_embeddings)))
stages = dict(
    teacher=dict(
        train_dataloader=_train_text,
        val_dataloader=_train_text,
        test_dataloader=dict(
            dataset=dict(data_prefix=dict(_test, **_embeddings)))),
    student=dict(train_dataloader=_train_text))
