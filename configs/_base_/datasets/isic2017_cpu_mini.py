# ISIC 2017 (simulated gaze) on the CPU benchmark protocol: the data and
# splits of isic2017.py at 112 x 112 (cpu_mini_pipelines.py).
_base_ = ['./isic2017.py', './cpu_mini_pipelines.py']
crop_size = _base_.mini_crop_size
train_pipeline_full = _base_.mini_train_pipeline_full
train_pipeline_levels = _base_.mini_train_pipeline_levels
train_pipeline_released = _base_.mini_train_pipeline_released
# Loading in the main process: after the first epoch a sample is a cached
# decode plus flips, and worker processes beside a 2-thread step stall its
# OpenMP barriers (UNet step 65 ms with 2 workers, 48.5 ms without).
_in_process = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **_in_process, dataset=dict(pipeline=_base_.mini_train_pipeline))
val_dataloader = dict(
    **_in_process, dataset=dict(pipeline=_base_.mini_test_pipeline))
test_dataloader = val_dataloader
stages = dict(
    teacher=dict(
        train_dataloader=dict(
            dataset=dict(pipeline=_base_.mini_train_pipeline_text)),
        val_dataloader=dict(
            dataset=dict(pipeline=_base_.mini_test_pipeline_text)),
        test_dataloader=dict(
            dataset=dict(pipeline=_base_.mini_test_pipeline_text))),
    student=dict(
        train_dataloader=dict(
            dataset=dict(pipeline=_base_.mini_train_pipeline_text))))
