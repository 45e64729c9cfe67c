# ISIC 2017 (simulated gaze) on the CPU benchmark protocol: the files of
# isic2017.py (restated: a config has one chain of bases) on the pipelines
# and loaders of kvasir_cpu_mini.py. tests/test_configs.py keeps the files
# of the two equal.
_base_ = ['./kvasir_cpu_mini.py']
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
