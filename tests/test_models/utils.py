"""Tiny FGI models for CPU tests (widths 4..16, 32 x 32 inputs)."""
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

TEACHER_WIDTHS = (4, 8, 8, 16)
STUDENT_WIDTHS = (2, 4, 4, 8)
TEXT_DIM = 6


def teacher_cfg(fusion_indices=(1, 2, 3), mode='attention'):
    return dict(
        type='TextGuidedEncoderDecoder',
        backbone=dict(type='UNetEncoder', widths=TEACHER_WIDTHS),
        neck=dict(type='TextVisionFusionNeck', in_channels=TEACHER_WIDTHS,
                  text_channels=TEXT_DIM, fusion_indices=fusion_indices,
                  num_heads=2, mode=mode, pos_embed_size=(2, 2)),
        decode_head=dict(
            type='UNetHead', in_channels=list(TEACHER_WIDTHS), num_classes=2,
            dropout_ratio=0,
            loss_decode=dict(type='PartialCrossEntropyLoss')),
        test_cfg=ConfigDict(mode='whole'))


def student_cfg(**kwargs):
    cfg = dict(
        type='DistillEncoderDecoder',
        teacher=teacher_cfg(),
        student_channels=[STUDENT_WIDTHS[i] for i in (1, 2, 3)],
        distill_indices=(1, 2, 3),
        backbone=dict(type='UNetEncoder', widths=STUDENT_WIDTHS),
        decode_head=dict(
            type='UNetHead', in_channels=list(STUDENT_WIDTHS), num_classes=2,
            dropout_ratio=0,
            loss_decode=dict(type='CrossEntropyLoss', avg_non_ignore=True)),
        darm=dict(ratio=0.3, patch_sizes=(3, 5), reference_size=32,
                  source='predictions', drop_label=255, seed=0),
        test_cfg=ConfigDict(mode='whole'))
    cfg.update(kwargs)
    return cfg


def batch(num=2, size=32, text_lengths=(3, 5), seed=0):
    """Inputs and data samples with gaze fields and padded-length text."""
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(num, 3, size, size, generator=g)
    samples = []
    for i in range(num):
        comp = (torch.rand(size, size, generator=g) > 0.6).long()
        sparse = torch.where(torch.rand(size, size, generator=g) > 0.5, comp,
                             torch.full_like(comp, 255))
        sample = SegDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            pad_shape=(size, size), sample_id=f's{i}',
            text_embed=torch.randn(text_lengths[i % len(text_lengths)],
                                   TEXT_DIM, generator=g)))
        sample.gt_comp_seg = PixelData(data=comp[None])
        sample.gt_sparse_seg = PixelData(data=sparse[None])
        sample.gt_sem_seg = PixelData(data=comp[None].clone())
        samples.append(sample)
    return inputs, samples
