"""ChannelsLastHook: convolution weights channels-last, outputs unchanged."""
from types import SimpleNamespace

import torch
import torch.nn as nn
from mmcv.cnn import ConvWS2d

from fgi_mmseg.engine import ChannelsLastHook


def _is_channels_last(t):
    return t.is_contiguous(memory_format=torch.channels_last) and \
        not t.is_contiguous()


def test_converts_convolutions_but_not_ws_convs_or_other_params():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8),
                          ConvWS2d(8, 8, 3), nn.ConvTranspose2d(8, 4, 2))
    model.register_parameter('pos', nn.Parameter(torch.zeros(1, 8, 2, 2)))
    x = torch.randn(2, 3, 12, 12)
    ref = model(x)
    params = [p for p in model.parameters()]
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    assert _is_channels_last(model[0].weight)
    assert _is_channels_last(model[3].weight)
    assert model[2].weight.is_contiguous()  # ConvWS2d views its weight
    assert model.pos.is_contiguous()
    # Same parameter objects: an optimiser built before keeps working.
    assert [p for p in model.parameters()] == params
    torch.testing.assert_close(model(x), ref, rtol=1e-5, atol=1e-5)
