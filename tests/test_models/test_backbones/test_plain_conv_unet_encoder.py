import json

import pytest
import torch

pytest.importorskip('dynamic_network_architectures')
from fgi_mmseg.models.backbones import PlainConvUNetEncoder  # noqa: E402


def test_returns_every_stage_finest_first():
    encoder = PlainConvUNetEncoder(features_per_stage=(4, 8, 16, 32))
    feats = encoder(torch.randn(2, 3, 32, 32))
    assert [tuple(f.shape) for f in feats] == [
        (2, 4, 32, 32), (2, 8, 16, 16), (2, 16, 8, 8), (2, 32, 4, 4)]


def test_is_nnunets_encoder_with_instance_norm_and_strided_convs():
    encoder = PlainConvUNetEncoder(features_per_stage=(4, 8))
    kinds = {type(m).__name__ for m in encoder.modules()}
    assert {'InstanceNorm2d', 'LeakyReLU', 'Conv2d'} <= kinds
    assert not kinds & {'MaxPool2d', 'BatchNorm2d'}
    strided = [m.stride for m in encoder.modules()
               if isinstance(m, torch.nn.Conv2d) and m.stride != (1, 1)]
    assert strided == [(2, 2)]


def test_the_plan_of_an_nnunet_plans_file_is_used(tmp_path):
    plans = tmp_path / 'nnUNetPlans.json'
    arch = dict(network_class_name='dynamic_network_architectures.'
                'architectures.unet.PlainConvUNet',
                arch_kwargs=dict(features_per_stage=[6, 12, 24],
                                 kernel_sizes=[[3, 3]] * 3,
                                 strides=[[1, 1], [2, 2], [2, 2]],
                                 n_conv_per_stage=[1, 1, 1]))
    plans.write_text(json.dumps(
        dict(configurations={'2d': dict(architecture=arch)})))
    encoder = PlainConvUNetEncoder(plans_file=str(plans))
    assert encoder.features_per_stage == (6, 12, 24)
    feats = encoder(torch.randn(1, 3, 16, 16))
    assert [f.shape[1] for f in feats] == [6, 12, 24]
    convs = [m for m in encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 3  # one per stage, as planned


def test_a_plan_of_another_network_is_refused(tmp_path):
    plans = tmp_path / 'p.json'
    plans.write_text(json.dumps(dict(configurations={'2d': dict(
        architecture=dict(network_class_name='x.ResidualEncoderUNet',
                          arch_kwargs={}))})))
    with pytest.raises(ValueError, match='not a PlainConvUNet'):
        PlainConvUNetEncoder(plans_file=str(plans))


def test_indivisible_size_is_a_clear_error():
    with pytest.raises(ValueError, match='divisible by it'):
        PlainConvUNetEncoder(features_per_stage=(4, 8, 16))(
            torch.randn(1, 3, 30, 30))


def test_trains_as_a_gaze_baseline_in_mmsegs_runner(demo_root, tmp_path):
    from tests.conftest import REPO, run_tool
    widths = (4, 8, 8, 16, 16)
    config = tmp_path / 'plainconv.py'
    loader = "num_workers=0, persistent_workers=False, " \
        f"dataset=dict(data_root='{demo_root}')"
    config.write_text(f"""
_base_ = ['{REPO}/configs/baselines/plainconv_unet_gaze_demo.py']
model = dict(backbone=dict(features_per_stage={widths}),
             decode_head=dict(in_channels={list(widths)}))
train_dataloader = dict(batch_size=2, {loader})
val_dataloader = dict({loader})
test_dataloader = val_dataloader
train_cfg = dict(max_iters=4, val_interval=4)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-4, begin=0,
                        end=4, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=4))
""")
    work = tmp_path / 'work'
    run_tool('tools/train.py', str(config), '--work-dir', str(work),
             env=dict(OMP_NUM_THREADS='1'))
    assert (work / 'iter_4.pth').is_file()
    assert list(work.glob('best_Dice_iter_4.pth'))
