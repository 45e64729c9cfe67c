"""Time one training step of UNet, FGI teacher and FGI student, side by side.

All models see the same batch (images, gaze pseudo-masks and padded text
tokens) in one process, so the ratios are comparable. The student stage is
timed twice: computing the frozen teacher at every step, and with the
teacher's outputs cached per sample (the default; the warm-up step fills the
cache, as the first epoch does in training). Also times DARM's vectorised
masking against a per-pixel Python-loop reference.

Example::

    python tools/analysis/benchmark_train_step.py --size 64 --batch 8
    python tools/analysis/benchmark_train_step.py --size 224 --batch 8 \\
        --repeats 2   # the paper's resolution (slow on a CPU)
"""
import argparse
import random
import statistics
import time

import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import fgi_mmseg  # noqa: F401
from fgi_mmseg.models.utils import darm_mask

TEACHER = (64, 128, 256, 512, 1024)
STUDENT = (32, 64, 128, 256, 512)
FUSED = (1, 2, 3, 4)


def unet(widths):
    return dict(
        type='WeaklySupervisedEncoderDecoder',
        train_label='gt_comp_seg',
        backbone=dict(type='UNetEncoder', widths=widths),
        decode_head=dict(type='UNetHead', in_channels=list(widths),
                         num_classes=2, dropout_ratio=0),
        test_cfg=ConfigDict(mode='whole'))


def teacher(widths, text_dim):
    return dict(
        type='TextGuidedEncoderDecoder',
        backbone=dict(type='UNetEncoder', widths=widths),
        neck=dict(type='TextVisionFusionNeck', in_channels=widths,
                  text_channels=text_dim, fusion_indices=FUSED),
        decode_head=dict(type='UNetHead', in_channels=list(widths),
                         num_classes=2, dropout_ratio=0,
                         loss_decode=dict(type='PartialCrossEntropyLoss')),
        test_cfg=ConfigDict(mode='whole'))


def student(teacher_widths, widths, text_dim, darm_source, cache):
    return dict(
        type='DistillEncoderDecoder',
        teacher=teacher(teacher_widths, text_dim),
        student_channels=[widths[i] for i in FUSED],
        distill_indices=FUSED,
        backbone=dict(type='UNetEncoder', widths=widths),
        decode_head=dict(type='UNetHead', in_channels=list(widths),
                         num_classes=2, dropout_ratio=0,
                         loss_decode=dict(type='CrossEntropyLoss',
                                          avg_non_ignore=True)),
        darm=dict(source=darm_source, seed=0),
        teacher_cache=dict(max_bytes=2 * 1024**3) if cache else None,
        test_cfg=ConfigDict(mode='whole'))


def make_batch(batch, size, text_dim, text_len=25):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    inputs = torch.randn(batch, 3, size, size, generator=g)
    samples = []
    for i in range(batch):
        heat = torch.rand(size, size, generator=g)
        sample = SegDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            pad_shape=(size, size),
            text_embed=torch.randn(text_len - i % 5, text_dim, generator=g)))
        sample.gt_comp_seg = PixelData(data=(heat >= 0.3).long()[None])
        sparse = torch.full((size, size), 255)
        sparse[heat >= 0.5] = 1
        sparse[heat <= 0.05] = 0
        sample.gt_sparse_seg = PixelData(data=sparse[None])
        samples.append(sample)
    return inputs, samples


def time_steps(model, inputs, samples, repeats, warmup=1):
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.SGD(params, lr=1e-3, momentum=0.9)
    times = []
    for i in range(warmup + repeats):
        start = time.perf_counter()
        losses = model.loss(inputs, samples)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optim.zero_grad()
        loss.backward()
        optim.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def darm_reference(disagreement, ratio=0.3, sizes=(3, 5, 7, 9, 11),
                   seed=0):
    """Per-pixel Python loops: the obvious, slow implementation."""
    rng = random.Random(seed)
    b, h, w = disagreement.shape
    d = disagreement.tolist()
    masks = []
    for n in range(b):
        pixels = [(y, x) for y in range(h) for x in range(w) if d[n][y][x]]
        mask = [[False] * w for _ in range(h)]
        covered, target = 0, ratio * len(pixels)
        while pixels and covered < target:
            cy, cx = rng.choice(pixels)
            r = rng.choice(sizes) // 2
            for y in range(max(0, cy - r), min(h, cy + r + 1)):
                for x in range(max(0, cx - r), min(w, cx + r + 1)):
                    if not mask[y][x]:
                        mask[y][x] = True
                        covered += d[n][y][x]
        masks.append(mask)
    return torch.tensor(masks)


def bench_darm(batch=8, size=224, repeats=5):
    g = torch.Generator().manual_seed(0)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size),
                            indexing='ij')
    disagreement = torch.zeros(batch, size, size, dtype=torch.bool)
    for i in range(batch):  # a ring of disagreement around a blob
        r = torch.hypot(yy - size / 2 - 10 * i, xx - size / 2).float()
        disagreement[i] = (r > 40) & (r < 60)
    disagreement |= torch.rand(batch, size, size, generator=g) < 0.02
    darm_mask(disagreement, generator=g)  # warm-up
    fast, slow = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        darm_mask(disagreement, generator=g)
        fast.append(time.perf_counter() - start)
        start = time.perf_counter()
        darm_reference(disagreement)
        slow.append(time.perf_counter() - start)
    return statistics.median(fast), statistics.median(slow)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--text-dim', type=int, default=768)
    parser.add_argument('--darm-source', default='predictions',
                        choices=['predictions', 'masks'])
    parser.add_argument('--threads', type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmseg')
    torch.manual_seed(0)
    inputs, samples = make_batch(args.batch, args.size, args.text_dim)
    rows = [
        ('UNet (teacher widths)', unet(TEACHER)),
        ('FGI teacher', teacher(TEACHER, args.text_dim)),
        ('UNet (student widths)', unet(STUDENT)),
        ('FGI student, no cache', student(TEACHER, STUDENT, args.text_dim,
                                          args.darm_source, cache=False)),
        ('FGI student stage', student(TEACHER, STUDENT, args.text_dim,
                                      args.darm_source, cache=True)),
    ]
    times = {}
    print(f'batch {args.batch}, {args.size} x {args.size}, '
          f'{torch.get_num_threads()} threads, median of {args.repeats}')
    for name, cfg in rows:
        times[name] = time_steps(MODELS.build(cfg), inputs, samples,
                                 args.repeats)
        print(f'  {name:<24s} {times[name] * 1000:9.1f} ms/step')
    teacher_ratio = times['FGI teacher'] / times['UNet (teacher widths)']
    student_ratio = times['FGI student stage'] / \
        times['UNet (student widths)']
    uncached_ratio = times['FGI student, no cache'] / \
        times['UNet (student widths)']
    print(f'  teacher / UNet same widths:   {teacher_ratio:.2f}x '
          '(target <= 1.3x)')
    print(f'  student stage / student UNet: {student_ratio:.2f}x '
          '(target <= 1.8x; teacher outputs cached)')
    print(f'  without the teacher cache:    {uncached_ratio:.2f}x '
          '(first epoch, or random augmentation)')
    fast, slow = bench_darm()
    print(f'DARM at 224 x 224, batch 8: vectorised {fast * 1000:.1f} ms, '
          f'Python-loop reference {slow * 1000:.1f} ms, '
          f'{slow / fast:.0f}x faster (target >= 20x)')


if __name__ == '__main__':
    main()
