import pytest
import torch

from fgi_mmseg.models.necks import TextVisionFusion, TextVisionFusionNeck
from fgi_mmseg.models.necks.text_vision_fusion_neck import \
    few_key_attention


def _feats(size):
    return [torch.randn(2, c, size // s, size // s)
            for c, s in ((4, 1), (8, 2), (16, 4))]


@pytest.mark.parametrize('size', [16, 40])
def test_shapes_at_two_input_sizes(size):
    neck = TextVisionFusionNeck([4, 8, 16], text_channels=6,
                                fusion_indices=(1, 2), num_heads=2)
    feats = _feats(size)
    out = neck(feats, torch.randn(2, 5, 6))
    assert [o.shape for o in out] == [f.shape for f in feats]
    assert torch.equal(out[0], feats[0])  # not fused
    assert not torch.allclose(out[1], feats[1])


def test_padded_tokens_get_no_attention():
    torch.manual_seed(0)
    fusion = TextVisionFusion(8, 6, num_heads=2).eval()
    x = torch.randn(1, 8, 4, 4)
    text = torch.randn(1, 5, 6)
    mask = torch.tensor([[True, True, True, False, False]])
    out = fusion(x, text, mask)
    garbage = text.clone()
    garbage[0, 3:] = 1e3 * torch.randn(2, 6)
    assert torch.allclose(fusion(x, garbage, mask), out, atol=1e-6)
    # Without the mask the same garbage does change the output.
    assert not torch.allclose(fusion(x, garbage), out, atol=1e-3)
    # ...and a batch padded to 5 equals the unpadded 3 tokens.
    assert torch.allclose(fusion(x, text[:, :3]), out, atol=1e-5)


def test_lambda_scales_the_attention_and_learns():
    fusion = TextVisionFusion(8, 6, num_heads=2, lambda_init=0.0)
    x = torch.randn(2, 8, 4, 4)
    out = fusion(x, torch.randn(2, 3, 6))
    # lambda = 0: only LayerNorm(X) remains.
    expected = torch.nn.functional.layer_norm(
        x.permute(0, 2, 3, 1), (8, ), fusion.norm.weight,
        fusion.norm.bias).permute(0, 3, 1, 2)
    assert torch.allclose(out, expected, atol=1e-5)
    out.pow(2).sum().backward()
    assert fusion.scale.grad is not None and fusion.scale.grad != 0


def test_concat_mode():
    fusion = TextVisionFusion(8, 6, num_heads=2, mode='concat')
    assert not hasattr(fusion, 'scale')
    assert fusion(torch.randn(2, 8, 4, 6), torch.randn(2, 3, 6)).shape == \
        (2, 8, 4, 6)


def test_positional_embedding_follows_the_input_size():
    fusion = TextVisionFusion(8, 6, num_heads=2, pos_embed_size=(2, 2))
    assert fusion.pos_embed.shape == (1, 8, 2, 2)
    assert fusion(torch.randn(1, 8, 7, 9), torch.randn(1, 2, 6)).shape == \
        (1, 8, 7, 9)


def test_bad_fusion_index():
    with pytest.raises(ValueError, match=r'fusion_indices \[3\]'):
        TextVisionFusionNeck([4, 8, 16], 6, fusion_indices=(3, ))


@pytest.mark.parametrize('channels', [8, 24, 48])
def test_few_key_attention_equals_multihead_attention(channels):
    torch.manual_seed(0)
    fusion = TextVisionFusion(channels, 6, num_heads=max(1, channels // 8))
    attn = fusion.attn
    torch.nn.init.normal_(attn.in_proj_bias)  # non-zero biases
    torch.nn.init.normal_(attn.out_proj.bias)
    query = torch.randn(3, 20, channels, requires_grad=True)
    text = torch.randn(3, 5, 6)
    padding = torch.tensor([[False] * 5, [False] * 3 + [True] * 2,
                            [True] * 5])  # the last sample: no keys
    ours = few_key_attention(attn, query, text, text, padding)
    theirs, _ = attn(query, text, text, key_padding_mask=padding,
                     need_weights=False)
    torch.testing.assert_close(ours[:2], theirs[:2], rtol=1e-5, atol=1e-5)
    # No keys: attends to nothing, the output is out_proj's bias.
    torch.testing.assert_close(ours[2], attn.out_proj.bias.expand(20, -1))
    grad = torch.randn_like(ours)
    g_ours, = torch.autograd.grad(ours[:2], query, grad[:2])
    g_theirs, = torch.autograd.grad(theirs[:2], query, grad[:2])
    torch.testing.assert_close(g_ours, g_theirs, rtol=1e-5, atol=1e-5)


def test_few_key_attention_rejects_what_it_does_not_implement():
    attn = torch.nn.MultiheadAttention(8, 2, batch_first=True)  # kdim == E
    with pytest.raises(ValueError, match='kdim/vdim'):
        few_key_attention(attn, torch.randn(1, 4, 8), torch.randn(1, 2, 8),
                          torch.randn(1, 2, 8))
