"""Time one training step of nnU-Net's planned 2D U-Net: fp32, bf16
autocast, bf16 autocast + channels-last.

The network is the one nnU-Net plans for the benchmark's 112 x 112 images
(5 stages, 32..512 features, instance norm, LeakyReLU; the plan of
``nnunet_plan.json`` in a run's work dir), trained with nnU-Net's SGD on a
synthetic batch. Variants are interleaved (A B C A B C ...), so a load that
comes and goes shifts all alike; medians and interquartile ranges over the
rounds are printed with each variant's ratio to fp32. This is how
``nnUNetTrainerFGI`` chose bf16 autocast without channels-last on a CPU
with native bf16 kernels (without them it trains in fp32).

Example::

    python tools/analysis/speed_nnunet_step.py --batch 8 --size 112
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def build(features, channels_last: bool):
    from dynamic_network_architectures.architectures.unet import \
        PlainConvUNet
    n = len(features)
    net = PlainConvUNet(
        input_channels=3, n_stages=n, features_per_stage=features,
        conv_op=nn.Conv2d, kernel_sizes=[[3, 3]] * n,
        strides=[[1, 1]] + [[2, 2]] * (n - 1), n_conv_per_stage=[2] * n,
        num_classes=2, n_conv_per_stage_decoder=[2] * (n - 1),
        conv_bias=True, norm_op=nn.InstanceNorm2d,
        norm_op_kwargs=dict(eps=1e-5, affine=True), nonlin=nn.LeakyReLU,
        nonlin_kwargs=dict(inplace=True), deep_supervision=False)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    return net, torch.optim.SGD(net.parameters(), lr=1e-2, momentum=0.99,
                                nesterov=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=112)
    parser.add_argument('--features', type=int, nargs='+',
                        default=[32, 64, 128, 256, 512])
    parser.add_argument('--rounds', type=int, default=10)
    args = parser.parse_args()
    torch.manual_seed(0)
    x = torch.randn(args.batch, 3, args.size, args.size)
    y = torch.randint(0, 2, (args.batch, args.size, args.size))
    variants = {'fp32': (build(args.features, False), None),
                'bf16': (build(args.features, False), torch.bfloat16),
                'bf16 + channels_last': (build(args.features, True),
                                         torch.bfloat16)}
    times = {name: [] for name in variants}
    for r in range(args.rounds + 1):  # round 0 warms up
        for name, ((net, optimizer), dtype) in variants.items():
            start = time.perf_counter()
            with torch.autocast('cpu', dtype=dtype or torch.float32,
                                enabled=dtype is not None):
                loss = nn.functional.cross_entropy(net(x).float(), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if r:
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times['fp32'])
    print(f'nnU-Net 2D U-Net {args.features}, batch {args.batch}, '
          f'{args.size} x {args.size}, {torch.get_num_threads()} threads, '
          f'{args.rounds} interleaved rounds')
    for name, values in times.items():
        q1, _, q3 = statistics.quantiles(values, n=4)
        median = statistics.median(values)
        print(f'  {name:22s} {median * 1e3:7.1f} ms/step '
              f'(IQR {q1 * 1e3:.1f}-{q3 * 1e3:.1f})  {median / base:.2f}x')


if __name__ == '__main__':
    main()
