"""What machine a result was measured on, in one line for a results row.

The same seed trains bit-identically on one machine but not always on
another: oneDNN picks its bf16 convolution kernels by the CPU's instruction
sets (AMX tiles, AVX-512 BF16, neither), and they round differently. A
results row therefore names its machine, so that comparisons can pair runs
of one machine (docs/results.md, "Sixth pass", has a measured case).
"""
import os
import platform
from typing import Dict, Optional

# Instruction sets that change which bf16 kernels oneDNN runs: AMX tiles,
# and the AVX levels, best first (only the best one a CPU has is named).
AMX_FLAG = 'amx_bf16'
AVX_LEVELS = ('avx512_bf16', 'avx512f', 'avx2')


def _cpuinfo(path: str = '/proc/cpuinfo') -> Dict[str, str]:
    """The first processor's fields of Linux's ``/proc/cpuinfo``; empty
    where there is none (another system)."""
    fields: Dict[str, str] = {}
    try:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    break  # the end of the first processor's block
                key, _, value = line.partition(':')
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_description(cpuinfo_path: str = '/proc/cpuinfo',
                    cpus: Optional[int] = None) -> str:
    """The CPU as ``'<model name> (<family>/<model>), <n> CPUs, <flags>'``.

    Args:
        cpuinfo_path: Linux's processor table (for tests).
        cpus: Processors this process may run on (default: the affinity
            mask where the system has one, else ``os.cpu_count()``).

    Returns:
        The line; ``<flags>`` is :data:`AMX_FLAG` if the CPU has it, then
        the best of :data:`AVX_LEVELS` it has, or ``no avx2``.
    """
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) \
            if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    info = _cpuinfo(cpuinfo_path)
    name = ' '.join(info.get('model name', '').split()) or \
        platform.processor() or platform.machine() or 'unknown CPU'
    if 'cpu family' in info and 'model' in info:
        name += f' ({info["cpu family"]}/{info["model"]})'
    flags = set(info.get('flags', '').split())
    kernels = [AMX_FLAG] if AMX_FLAG in flags else []
    kernels += [f for f in AVX_LEVELS if f in flags][:1]
    return (f'{name}, {cpus} CPU{"" if cpus == 1 else "s"}, '
            f'{" ".join(kernels) if kernels else "no avx2"}')


def machine_description() -> str:
    """The CPU (:func:`cpu_description`), and the GPU when CUDA sees one."""
    line = cpu_description()
    try:
        import torch
    except ImportError:
        return line
    if torch.cuda.is_available():
        line += f'; GPU {torch.cuda.get_device_name(0)}'
    return line


def has_native_bf16(device_type: str) -> bool:
    """Whether bf16 compute is fast on this machine's ``device_type``.

    On a CPU, oneDNN runs bf16 convolutions and matrix products in its own
    kernels only with AVX-512 (BW/VL/DQ; faster still with AVX-512 BF16 or
    AMX). Without them PyTorch falls back to reference kernels: on an
    AVX2-only AMD EPYC (25/1) a ``cpu_fast`` UNet step under bf16
    autocast took 1,076 ms against 142 ms in fp32 (docs/results.md,
    "Eighth pass"). On CUDA, bf16 needs compute capability 8.0 or newer.

    Args:
        device_type: ``'cpu'`` or ``'cuda'`` (others: ``False``).
    """
    import torch
    if device_type == 'cuda':
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device_type == 'cpu':
        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return False
