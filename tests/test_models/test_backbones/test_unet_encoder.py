import pytest
import torch

from fgi_mmseg.models.backbones import UNetEncoder


@pytest.mark.parametrize('size', [32, 48])
def test_returns_every_scale(size):
    encoder = UNetEncoder(widths=(4, 8, 16, 32))
    feats = encoder(torch.randn(2, 3, size, size))
    assert [tuple(f.shape) for f in feats] == [
        (2, 4, size, size), (2, 8, size // 2, size // 2),
        (2, 16, size // 4, size // 4), (2, 32, size // 8, size // 8)]


def test_single_channel_input():
    feats = UNetEncoder(in_channels=1, widths=(4, 8))(torch.randn(1, 1, 8, 8))
    assert feats[-1].shape == (1, 8, 4, 4)


def test_indivisible_size_is_a_clear_error():
    with pytest.raises(ValueError, match='divisible by 8'):
        UNetEncoder(widths=(4, 8, 16, 32))(torch.randn(1, 3, 36, 36))
