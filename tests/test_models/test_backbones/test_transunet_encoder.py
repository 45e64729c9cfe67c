import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks.conv_ws import ConvWS2d
from torch.nn.modules.batchnorm import _BatchNorm

from fgi_mmseg.models.backbones import TransUNetEncoder


def tiny(**kwargs):
    """R50 layout at widths 8..128, a 2-layer 16-d transformer, 32 x 32."""
    cfg = dict(img_size=32, stem_channels=8, base_channels=8,
               norm_cfg=dict(type='GN', num_groups=4, requires_grad=True),
               embed_dims=16, num_layers=2, num_heads=2, drop_rate=0.)
    cfg.update(kwargs)
    return TransUNetEncoder(**cfg)


@pytest.mark.parametrize('size', [(32, 32), (48, 48), (32, 64)])
def test_skips_and_transformer_map(size):
    h, w = size
    feats = tiny()(torch.randn(2, 3, h, w))
    assert [tuple(f.shape) for f in feats] == [
        (2, 8, h // 2, w // 2), (2, 32, h // 4, w // 4),
        (2, 64, h // 8, w // 8), (2, 16, h // 16, w // 16)]


@pytest.mark.parametrize('depth', [18, 50])
def test_out_channels_match_the_features(depth):
    encoder = tiny(depth=depth)
    feats = encoder(torch.randn(1, 3, 32, 32))
    assert encoder.out_channels == [f.shape[1] for f in feats]


def test_positional_embedding_is_interpolated_not_replaced():
    encoder = tiny()
    encoder(torch.randn(1, 3, 64, 96))
    assert encoder.pos_embed.shape == (1, 4, 16)
    grid = encoder.pos_embed.detach().reshape(1, 2, 2, 16).permute(0, 3, 1, 2)
    expected = F.interpolate(grid, size=(4, 6), mode='bicubic',
                             align_corners=False).flatten(2).transpose(1, 2)
    resized = encoder._resize_pos_embed(encoder.pos_embed, (2, 2), (4, 6))
    torch.testing.assert_close(resized, expected)


@pytest.mark.parametrize('size', [32, 48])
def test_gradients_reach_every_parameter(size):
    torch.manual_seed(0)
    encoder = tiny()
    feats = encoder(torch.randn(2, 3, size, size))
    # Random weights: a plain sum after LayerNorm has no gradient.
    sum((f * torch.randn_like(f)).sum() for f in feats).backward()
    for name, param in encoder.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_resnet_has_group_norm_and_weight_standardised_convs():
    encoder = tiny()
    convs = [m for m in encoder.resnet.modules() if isinstance(m, nn.Conv2d)]
    norms = [
        m for m in encoder.resnet.modules()
        if isinstance(m, (nn.GroupNorm, _BatchNorm))
    ]
    assert convs and all(isinstance(m, ConvWS2d) for m in convs)
    assert norms and all(isinstance(m, nn.GroupNorm) for m in norms)
    assert not any(isinstance(m, _BatchNorm) for m in encoder.modules())
    # Weight standardisation: a conv's output ignores its weights' scale.
    conv = encoder.resnet.layer1[0].conv2
    x = torch.randn(1, conv.in_channels, 8, 8)
    with torch.no_grad():
        before = conv(x)
        conv.weight.mul_(5).add_(1)
        torch.testing.assert_close(conv(x), before, atol=1e-3, rtol=1e-3)


def _save(state_dict, path):
    torch.save(dict(state_dict=state_dict), path)
    return str(path)


def test_pretrained_init_cfg_loads_a_local_checkpoint(tmp_path):
    torch.manual_seed(0)
    source = tiny()
    source.init_weights()
    path = _save(source.state_dict(), tmp_path / 'local.pth')

    torch.manual_seed(1)
    loaded = tiny(init_cfg=dict(type='Pretrained', checkpoint=path))
    assert not torch.equal(loaded.pos_embed, source.pos_embed)
    loaded.init_weights()
    for key, value in source.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value, msg=key)


def test_without_init_cfg_trains_from_scratch():
    encoders = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        encoders.append(tiny())
        encoders[-1].init_weights()
    assert 0 < encoders[0].pos_embed.std() < 0.05
    assert not torch.equal(encoders[0].pos_embed, encoders[1].pos_embed)
    assert not torch.equal(encoders[0].resnet.conv1.weight,
                           encoders[1].resnet.conv1.weight)


def test_checkpoint_for_another_grid_is_interpolated_on_load(tmp_path):
    source = tiny(img_size=32)  # 2 x 2 tokens
    source.init_weights()
    path = _save(source.state_dict(), tmp_path / 'grid2.pth')
    loaded = tiny(img_size=64,
                  init_cfg=dict(type='Pretrained', checkpoint=path))
    loaded.init_weights()
    assert loaded.pos_embed.shape == (1, 16, 16)
    torch.testing.assert_close(
        loaded.pos_embed,
        loaded._resize_pos_embed(source.pos_embed, (2, 2), (4, 4)))
    torch.testing.assert_close(loaded.layers[0].attn.attn.in_proj_weight,
                               source.layers[0].attn.attn.in_proj_weight)


def test_a_class_token_in_the_checkpoint_is_dropped():
    encoder = tiny()
    state = encoder.state_dict()
    grid = torch.randn(1, 4, 16)
    state['pos_embed'] = torch.cat([torch.randn(1, 1, 16), grid], dim=1)
    encoder.load_state_dict(state)
    torch.testing.assert_close(encoder.pos_embed.detach(), grid)


def test_invalid_num_stages_is_a_clear_error():
    with pytest.raises(ValueError, match='num_stages'):
        tiny(num_stages=5)
