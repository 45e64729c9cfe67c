from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from fgi_mmseg.models.decode_heads import CascadedUpsamplerHead
from tests.test_models.utils import batch

CONFIGS = Path(__file__).resolve().parents[3] / 'configs' / '_base_'
IN_CHANNELS = [8, 32, 64, 16]  # skips at strides 2, 4, 8; ViT at 16


def features(size=32, channels=IN_CHANNELS, strides=(2, 4, 8, 16),
             requires_grad=False):
    return [
        torch.randn(2, c, size // s, size // s, requires_grad=requires_grad)
        for c, s in zip(channels, strides)
    ]


def head(**kwargs):
    cfg = dict(in_channels=IN_CHANNELS, head_channels=16,
               decoder_channels=(16, 8, 8, 4), num_classes=2,
               dropout_ratio=0)
    cfg.update(kwargs)
    return CascadedUpsamplerHead(**cfg)


@pytest.mark.parametrize('size', [32, 64])
def test_logits_at_the_input_resolution(size):
    assert head()(features(size)).shape == (2, 2, size, size)


def test_every_input_reaches_the_logits():
    feats = features(requires_grad=True)
    decoder = head()
    decoder(feats).sum().backward()
    assert all(f.grad.abs().sum() > 0 for f in feats)
    for name, param in decoder.named_parameters():
        assert param.grad is not None, name


def test_blocks_beyond_the_skips_only_upsample():
    # Skips at strides 4 and 8 only: 4 blocks still decode to stride 1.
    channels, strides = [32, 64, 16], (4, 8, 16)
    decoder = head(in_channels=channels)
    assert [b[0].conv.in_channels for b in decoder.blocks] == [
        16 + 64, 16 + 32, 8, 8]
    assert decoder(features(32, channels, strides)).shape == (2, 2, 32, 32)


def test_conv_bn_relu_blocks_and_3x3_classifier():
    decoder = head()
    assert isinstance(decoder.conv_more.bn, nn.BatchNorm2d)
    assert all(
        isinstance(conv.bn, nn.BatchNorm2d) and conv.conv.kernel_size ==
        (3, 3) for block in decoder.blocks for conv in block)
    assert decoder.conv_seg.kernel_size == (3, 3)
    assert decoder.conv_seg.in_channels == decoder.channels == 4


def test_channels_must_be_the_last_decoder_width():
    with pytest.raises(ValueError, match='last decoder width 4'):
        head(channels=8)


def test_more_skips_than_blocks_is_a_clear_error():
    with pytest.raises(ValueError, match='3 skips'):
        head(decoder_channels=(16, 8))


def tiny_transunet():
    return dict(
        type='WeaklySupervisedEncoderDecoder',
        train_label='gt_comp_seg',
        backbone=dict(
            type='TransUNetEncoder', img_size=32, stem_channels=8,
            base_channels=8,
            norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
            embed_dims=16, num_layers=1, num_heads=2, drop_rate=0.),
        decode_head=dict(
            type='CascadedUpsamplerHead', in_channels=[8, 32, 64, 16],
            head_channels=16, decoder_channels=(16, 8, 8, 4), num_classes=2,
            dropout_ratio=0, loss_decode=dict(type='CrossEntropyLoss')),
        test_cfg=ConfigDict(mode='whole'))


@pytest.mark.parametrize('size', [32, 48])
def test_segmentor_logits_and_loss(size):
    init_default_scope('mmseg')
    model = MODELS.build(tiny_transunet())
    model.init_weights()
    inputs, samples = batch(num=2, size=size)
    assert model(inputs, mode='tensor').shape == (2, 2, size, size)
    losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['decode.loss_ce'])
    preds = model.predict(inputs, samples)
    assert preds[0].pred_sem_seg.shape == (size, size)


def test_cpu_mini_config_trains_at_112():
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        str(CONFIGS / 'models' / 'cpu_mini' / 'transunet_gaze.py'))
    assert cfg.model.type == 'WeaklySupervisedEncoderDecoder'
    assert cfg.model.train_label == 'gt_comp_seg'
    assert cfg.model.data_preprocessor.size == (112, 112)
    model = MODELS.build(cfg.model)
    assert model.decode_head.in_channels == model.backbone.out_channels
    inputs, samples = batch(num=2, size=112)
    assert model(inputs, mode='tensor').shape == (2, 2, 112, 112)
    assert torch.isfinite(model.loss(inputs, samples)['decode.loss_ce'])


def test_paper_config_is_r50_vit_b16():
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(CONFIGS / 'models' / 'transunet.py'))
    model = MODELS.build(cfg.model)
    backbone = model.backbone
    assert backbone.resnet.stage_blocks == (3, 4, 6)
    assert backbone.grid_size == (14, 14) and len(backbone.layers) == 12
    assert model.decode_head.in_channels == backbone.out_channels == [
        64, 256, 512, 768]
    model.eval()
    with torch.no_grad():  # a small input: the embedding is interpolated
        assert model(torch.randn(1, 3, 64, 64),
                     mode='tensor').shape == (1, 2, 64, 64)
