"""DecodeHead.loss_by_feat: mmseg's losses and acc_seg, with less work."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.structures import SegDataSample

from fgi_mmseg.models.decode_heads import UNetHead
from fgi_mmseg.models.decode_heads.decode_head import pixel_accuracy


def _samples(labels):
    return [SegDataSample(gt_sem_seg=PixelData(data=label[None]))
            for label in labels]


@pytest.mark.parametrize('size', [16, 32])  # logits at / below label size
def test_losses_equal_mmseg(size):
    torch.manual_seed(0)
    head = UNetHead(in_channels=[4, 8], num_classes=2, loss_decode=[
        dict(type='CrossEntropyLoss', loss_weight=1.0),
        dict(type='DiceLoss', loss_weight=0.5)])
    logits = torch.randn(2, 2, 16, 16)
    labels = torch.randint(0, 2, (2, size, size))
    labels[0, :4] = 255
    samples = _samples(labels)
    ours = head.loss_by_feat(logits, samples)
    theirs = BaseDecodeHead.loss_by_feat(head, logits, samples)
    assert set(ours) == set(theirs) == {'loss_ce', 'loss_dice', 'acc_seg'}
    for key in theirs:
        torch.testing.assert_close(ours[key], theirs[key].reshape(
            ours[key].shape))


def test_identity_resize_is_skipped():
    head = UNetHead(in_channels=[4, 8], num_classes=2)
    logits = torch.randn(2, 2, 8, 8, requires_grad=True)
    loss = head.loss_by_feat(logits, _samples(torch.randint(0, 2, (2, 8, 8))))
    names = set()
    node = loss['loss_ce'].grad_fn
    stack = [node]
    while stack:  # every op between the loss and the logits
        node = stack.pop()
        names.add(node.name())
        stack += [n for n, _ in node.next_functions if n is not None]
    assert not any('Upsample' in n for n in names)


def test_pixel_accuracy_ignores_the_ignore_index():
    logits = torch.tensor([[[[2., 0.], [0., 2.]], [[0., 2.], [2., 0.]]]])
    label = torch.tensor([[[0, 0], [255, 0]]])  # 2 right, 1 wrong, 1 ignored
    assert pixel_accuracy(logits, label, 255).item() == pytest.approx(
        200 / 3)
    assert pixel_accuracy(logits, torch.full_like(label, 255),
                          255).item() == 0
