# Kvasir-SEG on the CPU benchmark protocol (schedules/cpu_mini.py): the
# data, splits and pipelines of kvasir.py at 112 x 112 (metrics stay at each
# mask's original resolution: ground truth is loaded after the resize).
# CachedTransforms keeps about 0.1 MB per sample at this size, which frees
# the CPU time the dataloader took from the 2-core step.
_base_ = ['./kvasir.py']
crop_size = (112, 112)


def _at_crop_size(pipeline):
    """``pipeline`` with every resize, cached ones too, at ``crop_size``."""
    resized = []
    for t in pipeline:
        if 'transforms' in t:
            t = dict(t, transforms=_at_crop_size(t['transforms']))
        elif 'scale' in t:
            t = dict(t, scale=crop_size)
        resized.append(t)
    return resized


train_pipeline = _at_crop_size(_base_.train_pipeline)
train_pipeline_released = _at_crop_size(_base_.train_pipeline_released)
train_pipeline_full = _at_crop_size(_base_.train_pipeline_full)
train_pipeline_levels = _at_crop_size(_base_.train_pipeline_levels)
test_pipeline = _at_crop_size(_base_.test_pipeline)
# Loading in the main process: after the first epoch a sample is a cached
# decode plus flips, and worker processes beside a 2-thread step stall its
# OpenMP barriers (UNet step 65 ms with 2 workers, 48.5 ms without).
_in_process = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(**_in_process, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(**_in_process, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# The names configs/ablations/fgi_study/ reads, and its first variant, from
# before flip-consistent text (for the record): the text stays unflipped.
mini_train_pipeline_text = train_pipeline
mini_train_pipeline_released = train_pipeline_released
mini_train_pipeline_text_unflipped = [
    dict(
        type='CachedTransforms',
        transforms=[
            _base_._image, _base_._heatmap,
            dict(type='LoadTextEmbedding'),
            dict(type='SegFieldsResize', scale=crop_size, keep_ratio=False)
        ])
] + [dict(t, text='keep') for t in _base_._flips] + [_base_._pack]
