import pytest
import torch

from fgi_mmseg.models.decode_heads import UNetHead


def test_decodes_to_the_finest_scale():
    head = UNetHead(in_channels=[4, 8, 16], num_classes=2)
    feats = [torch.randn(2, 4, 16, 16), torch.randn(2, 8, 8, 8),
             torch.randn(2, 16, 4, 4)]
    assert head(feats).shape == (2, 2, 16, 16)


def test_every_scale_reaches_the_output():
    head = UNetHead(in_channels=[4, 8, 16], num_classes=2)
    feats = [torch.randn(1, c, s, s, requires_grad=True)
             for c, s in ((4, 16), (8, 8), (16, 4))]
    head(feats).sum().backward()
    assert all(f.grad.abs().sum() > 0 for f in feats)


def test_channels_must_match_the_finest_width():
    with pytest.raises(ValueError, match='finest width 4'):
        UNetHead(in_channels=[4, 8], channels=8, num_classes=2)
