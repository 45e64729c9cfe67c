"""use_gpu_fast_path: the same config, flips on the device, async loading."""
from mmengine.config import Config

from fgi_mmseg.engine.config_derivation import stage_config
from fgi_mmseg.engine.device_path import use_gpu_fast_path
from tests.conftest import REPO


def _types(pipeline):
    return [t['type'] for t in pipeline]


def test_fgi_config_moves_its_flips_to_the_batch():
    cfg = Config.fromfile(str(REPO / 'configs/benchmark/kvasir/fgi.py'))
    assert use_gpu_fast_path(cfg, force=True)
    pre = cfg.model.data_preprocessor
    assert pre.type == 'GazeSegDataPreProcessor' and pre.non_blocking
    assert pre.batch_flip == dict(prob=0.5,
                                  directions=('horizontal', 'vertical'))
    for stage in ('teacher', 'student'):
        train = stage_config(cfg, stage).train_dataloader.dataset
        assert _types(train.pipeline) == ['CachedTransforms',
                                          'PackGazeSegInputs']
    assert cfg.train_dataloader.pin_memory
    assert cfg.train_dataloader.num_workers >= 2
    assert cfg.env_cfg.cudnn_benchmark
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    # cpu_fast's hooks, ChannelsLastHook not added a second time.
    assert [h.type for h in cfg.custom_hooks] == [
        'ChannelsLastHook', 'RetainFreedMemoryHook']


def test_paper_config_gets_bf16_and_channels_last():
    cfg = Config.fromfile(str(REPO / 'configs/baselines/unet_gaze_kvasir.py'))
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert use_gpu_fast_path(cfg, force=True)
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'auto'


def test_left_alone_without_cuda_or_when_opted_out():
    path = str(REPO / 'configs/benchmark/kvasir/unet_gaze.py')
    cfg = Config.fromfile(path)
    before = cfg.to_dict()
    import torch
    if not torch.cuda.is_available():
        assert not use_gpu_fast_path(cfg)
        assert cfg.to_dict() == before
    cfg.gpu_fast_path = False
    assert not use_gpu_fast_path(cfg, force=True)


def test_a_random_transform_after_the_flips_keeps_the_pipeline():
    cfg = Config.fromfile(str(REPO / 'configs/benchmark/kvasir/unet_gaze.py'))
    pipeline = cfg.train_dataloader.dataset.pipeline
    pipeline.insert(-1, dict(type='PhotoMetricDistortion'))
    assert not use_gpu_fast_path(cfg, force=True)
    assert 'SegFieldsRandomFlip' in _types(
        cfg.train_dataloader.dataset.pipeline)
