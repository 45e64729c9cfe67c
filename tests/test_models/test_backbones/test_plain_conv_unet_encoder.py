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
