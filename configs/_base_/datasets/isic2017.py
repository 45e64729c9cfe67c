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
text_prefix = dict(text_embed_path=gaze_root + '/embeddings')


def _split(name, images):
    """Split file ``name`` with the images and masks of ISIC's ``images``
    set (validation is carved from the training set)."""
    return dict(
        dataset=dict(
            type=dataset_type,
            ann_file=f'{image_root}/splits/{name}.txt',
            data_prefix=dict(
                img_path=f'{image_root}/{images}/images',
                seg_map_path=f'{image_root}/{images}/masks',
                heatmap_path=gaze_root + '/heatmaps')))


train_dataloader = _split('train', 'train')
val_dataloader = _split('val', 'train')
test_dataloader = _split('test', 'test')
