"""Time one training step of each benchmark method, fp32 against cpu_fast.

Every method's network and optimiser are built from its benchmark config
(so the step is the one that trains), in plain fp32 (the ``cpu_mini``
step) and as ``cpu_fast`` trains it (``AutocastOptimWrapper`` bf16
autocast where the CPU has native bf16 kernels, ``ChannelsLastHook``,
the fused optimiser kernel, ``RetainFreedMemoryHook``'s allocator
setting), and all variants take the
same synthetic batch (image, every gaze pseudo-mask field, ground truth
and padded text tokens). The variants are *interleaved*: round r times
one step of A, B, C, ... in turn, so a load that comes and goes on the
machine shifts every variant alike; medians and the interquartile range
over rounds are reported, and the ratio of each method's fast step to its
fp32 one. The allocator setting is process-wide, so the variants of each
allocator live in a worker process of their own and the rounds step one
worker at a time (``--allocator``).

FGI contributes two networks: its teacher (stage 1) and its student stage
(the student plus the frozen teacher, whose outputs are cached per input
as in training: the warm-up step fills the cache). DARM's vectorised
masking is timed against a per-pixel Python-loop reference.

Example::

    python tools/analysis/speed_train_step.py            # 112 x 112, batch 8
    python tools/analysis/speed_train_step.py --methods unet_gaze fgi \\
        --rounds 20
"""
import argparse
import copy
import glob
import multiprocessing as mp
import os.path as osp
import random
import statistics
import sys
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402

import fgi_mmseg  # noqa: F401,E402
from fgi_mmseg.engine.config_derivation import (is_two_stage,  # noqa: E402
                                                 stage_config)
from fgi_mmseg.engine.hooks import convert_to_channels_last  # noqa: E402
from fgi_mmseg.engine.optimizers.autocast_optim_wrapper import \
    autocast_dtype  # noqa: E402
from fgi_mmseg.models.utils import darm_mask  # noqa: E402
from fgi_mmseg.utils.malloc import retain_freed_memory  # noqa: E402

FAST = 'cpu_fast'  # the config as it trains: bf16 + CL + its optimiser
# Allocators: glibc's defaults, or RetainFreedMemoryHook's setting.
GLIBC, RETAIN = 'glibc', 'retain'
PRECISIONS = ('fp32', 'bf16', 'fp32+cl', 'bf16+cl', FAST)


def method_models(config: str) -> Dict[str, tuple]:
    """``{name: (model cfg, optim_wrapper cfg)}`` of a benchmark config.

    FGI has two networks, each with its stage's optimiser; nnU-Net configs
    (trained by nnunetv2, ``tools/analysis/speed_nnunet_step.py``) none.
    """
    cfg = Config.fromfile(config)
    method = osp.splitext(osp.basename(config))[0]
    if 'nnunet' in cfg:
        return {}
    if not is_two_stage(cfg):
        return {method: (cfg.model, cfg.optim_wrapper)}
    stages = {s: stage_config(cfg, s) for s in ('teacher', 'student')}
    return {f'{method} teacher': (stages['teacher'].model,
                                  stages['teacher'].optim_wrapper),
            f'{method} student stage': (stages['student'].model,
                                        stages['student'].optim_wrapper)}


def make_batch(batch: int, size: int, text_dim: int, text_len: int = 25):
    """Normalised images and samples carrying every label field."""
    g = torch.Generator().manual_seed(0)
    inputs = torch.randn(batch, 3, size, size, generator=g)
    samples = []
    for i in range(batch):
        heat = torch.rand(size, size, generator=g)
        sample = SegDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            pad_shape=(size, size),
            text_embed=torch.randn(text_len - i % 5, text_dim, generator=g)))
        sparse = torch.full((size, size), 255)
        sparse[heat >= 0.5] = 1
        sparse[heat <= 0.05] = 0
        sample.gt_sparse_seg = PixelData(data=sparse[None])
        sample.gt_comp_seg = PixelData(data=(heat >= 0.3).long()[None])
        sample.gt_level0_seg = PixelData(data=(heat >= 0.5).long()[None])
        sample.gt_level1_seg = PixelData(data=(heat >= 0.3).long()[None])
        sample.gt_sem_seg = PixelData(data=(heat >= 0.4).long()[None])
        samples.append(sample)
    return inputs, samples


class Variant:
    """One network in one precision, stepping with its config's optimiser.

    ``cpu_fast`` is the config as it trains (bf16 autocast where the CPU
    has native bf16 kernels, else fp32; channels-last; its optimiser's
    options, e.g. the fused AdamW kernel). The other
    precisions take the same optimiser in its plain ``cpu_mini`` form
    (``OptimWrapper`` semantics, no fused kernel), so ``fp32`` is the step
    of the fp32 protocol.
    """

    def __init__(self, model_cfg: dict, optim_cfg: dict, precision: str,
                 inputs, samples):
        self.model = MODELS.build(model_cfg)
        self.model.init_weights()
        self.model.train()
        if precision == FAST or precision.endswith('+cl'):
            convert_to_channels_last(self.model)
        optim_cfg = copy.deepcopy(optim_cfg)
        optim_cfg['type'] = 'AutocastOptimWrapper'
        if precision == FAST:
            optim_cfg.setdefault('dtype', 'auto')
        else:
            optim_cfg['dtype'] = 'bfloat16' \
                if precision.startswith('bf16') else 'float32'
            optim_cfg['optimizer'].pop('fused', None)
        self.wrapper = build_optim_wrapper(self.model, optim_cfg)
        self.inputs, self.samples = inputs, samples

    def step(self) -> float:
        start = time.perf_counter()
        with self.wrapper.optim_context(self.model):
            losses = self.model.loss(self.inputs, self.samples)
        loss, _ = self.model.parse_losses(losses)
        self.wrapper.update_params(loss)
        return time.perf_counter() - start


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
    for _ in range(repeats):  # interleaved, as the training steps
        start = time.perf_counter()
        darm_mask(disagreement, generator=g)
        fast.append(time.perf_counter() - start)
        start = time.perf_counter()
        darm_reference(disagreement)
        slow.append(time.perf_counter() - start)
    return statistics.median(fast), statistics.median(slow)


def quartiles(values: List[float]) -> tuple:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dataset', default='kvasir',
                        help='configs/benchmark/<dataset>/')
    parser.add_argument('--methods', nargs='+',
                        help='config stems (default: all of the dataset)')
    parser.add_argument('--size', type=int, default=112)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--rounds', type=int, default=10,
                        help='interleaved rounds (one step per variant)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--text-dim', type=int, default=384)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--precisions', nargs='+', default=['fp32', FAST],
                        choices=PRECISIONS,
                        help='bf16: AutocastOptimWrapper; +cl: channels-last '
                        '(ChannelsLastHook); cpu_fast: the config as it '
                        'trains (bf16 + cl + its optimiser options)')
    parser.add_argument('--allocator', default='protocol',
                        choices=('protocol', GLIBC, RETAIN),
                        help='protocol: cpu_fast with the allocator setting '
                        'of RetainFreedMemoryHook, the rest with glibc\'s '
                        'defaults (as they train); glibc or retain: every '
                        'variant with that one')
    parser.add_argument('--no-darm', action='store_true')
    return parser.parse_args()


def allocator_of(precision: str, choice: str) -> str:
    """The allocator a variant runs with: its protocol's, or ``choice``."""
    if choice != 'protocol':
        return choice
    return RETAIN if precision == FAST else GLIBC


def serve(conn, allocator: str, specs: List[tuple], args) -> None:
    """A worker process: build ``specs``' variants, step one per request.

    ``specs`` holds ``(name, precision, model cfg, optim_wrapper cfg)``
    tuples, parsed once by the parent.

    The allocator setting is process-wide (:mod:`fgi_mmseg.utils.malloc`),
    so variants that train with different allocators live in different
    processes; the parent asks one at a time, so they never share the
    cores.
    """
    if allocator == RETAIN and not retain_freed_memory():
        raise SystemExit('--allocator retain needs glibc')
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmseg')
    inputs, samples = make_batch(args.batch, args.size, args.text_dim)
    variants = {}
    for name, precision, model_cfg, optim_cfg in specs:
        torch.manual_seed(0)
        variants[(name, precision)] = Variant(model_cfg, optim_cfg,
                                              precision, inputs, samples)
    conn.send(torch.get_num_threads())
    while True:
        key = conn.recv()
        if key is None:
            return
        conn.send(variants[key].step())


def main() -> None:
    args = parse_args()
    configs = sorted(glob.glob(
        osp.join(REPO, 'configs', 'benchmark', args.dataset, '*.py')))
    if args.methods:
        configs = [c for c in configs
                   if osp.splitext(osp.basename(c))[0] in args.methods]
    if not configs:
        raise SystemExit(f'no configs under configs/benchmark/'
                         f'{args.dataset}/ for {args.methods}')
    specs: Dict[str, List[tuple]] = {}
    order = []  # (name, precision, allocator), in round order
    for config in configs:
        for name, (model_cfg, optim_cfg) in method_models(config).items():
            for precision in args.precisions:
                allocator = allocator_of(precision, args.allocator)
                specs.setdefault(allocator, []).append(
                    (name, precision, model_cfg, optim_cfg))
                order.append((name, precision, allocator))
    context = mp.get_context('spawn')  # a fresh allocator per worker
    workers = {}
    for allocator, group in specs.items():
        parent, child = context.Pipe()
        process = context.Process(target=serve, daemon=True,
                                  args=(child, allocator, group, args))
        process.start()
        child.close()  # so that a failed worker's pipe reads as closed
        workers[allocator] = (parent, process)

    def ask(allocator: str, request=None):
        conn = workers[allocator][0]
        if request is not None:
            conn.send(request)
        try:
            return conn.recv()
        except EOFError:  # the worker printed its error
            raise SystemExit(f'the {allocator} worker process failed')

    threads = {a: ask(a) for a in workers}
    times: Dict[tuple, List[float]] = {key: [] for key in order}
    for r in range(args.warmup + args.rounds):
        for name, precision, allocator in order:
            elapsed = ask(allocator, (name, precision))
            if r >= args.warmup:
                times[(name, precision, allocator)].append(elapsed)
    for conn, process in workers.values():
        conn.send(None)
        process.join()
    print(f'batch {args.batch}, {args.size} x {args.size}, '
          f'{max(threads.values())} threads, {args.rounds} interleaved '
          f'rounds of {len(order)} variants (ms/step: median [IQR]); '
          f'allocator: ' + ', '.join(
              f'{p} {allocator_of(p, args.allocator)}'
              for p in args.precisions)
          + f'; cpu_fast autocasts to {autocast_dtype("auto", "cpu")}')
    header = ''.join(f'{p:>21s}' for p in args.precisions)
    print(f'  {"network":<24s}{header}  (ratio to {args.precisions[0]})')
    names = dict.fromkeys(name for name, _, _ in order)
    for name in names:
        cells, medians = [], []
        for precision in args.precisions:
            step = times[(name, precision,
                          allocator_of(precision, args.allocator))]
            step = [t * 1000 for t in step]
            low, high = quartiles(step)
            medians.append(statistics.median(step))
            cells.append(f'{medians[-1]:7.1f} [{low:5.0f}-{high:5.0f}]')
        ratios = ' '.join(f'{m / medians[0]:.2f}x' for m in medians[1:])
        print(f'  {name:<24s}' + ''.join(f'{c:>21s}' for c in cells) +
              f'  {ratios}')
    if not args.no_darm:
        if args.threads:
            torch.set_num_threads(args.threads)
        fast, slow = bench_darm()
        print(f'DARM at 224 x 224, batch 8: vectorised {fast * 1000:.1f} '
              f'ms, Python-loop reference {slow * 1000:.1f} ms, '
              f'{slow / fast:.0f}x faster (target >= 20x)')


if __name__ == '__main__':
    main()
