"""Keep freed heap memory in the process (glibc's ``mallopt``).

A CPU training step allocates and frees the same large activations and
gradients every iteration. With glibc's defaults, blocks above a (dynamic)
threshold are ``mmap``-ed and unmapped again, and free memory at the top
of the heap is handed back to the kernel, so every step page-faults its
buffers in afresh, zeroed by the kernel. PyTorch's CPU allocator has no
cache of its own to hide this. The FGI teacher's real ``cpu_fast`` loop
(112 x 112, batch 8, 2 threads) took 2.0 million minor page faults in 260
iterations with the defaults and 0.3 million with the settings below, and
its ``train_step`` 105.6 against 86.8 ms (docs/results.md, "The
allocator").

The settings change no numbers, only where memory comes from; the price
is that the process keeps its peak heap until it exits.
"""
import ctypes
import ctypes.util
import functools
from typing import Optional

# mallopt parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

# glibc refuses an mmap threshold above half its heap size (32 MiB on
# 64-bit): blocks larger than that are still mapped and unmapped.
MAX_MMAP_THRESHOLD = 32 * 1024 * 1024
# Never trim the top of the heap: a step's peak returns every iteration.
NEVER_TRIM = 2**31 - 1
# Grow the heap in large steps, so that a growing peak costs few brk calls.
TOP_PAD = 256 * 1024 * 1024


@functools.lru_cache(maxsize=None)
def _glibc() -> Optional[ctypes.CDLL]:
    name = ctypes.util.find_library('c')
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    if not hasattr(libc, 'gnu_get_libc_version'):
        return None  # musl, or another libc: no glibc mallopt semantics
    return libc


def retain_freed_memory(mmap_threshold: int = MAX_MMAP_THRESHOLD,
                        trim_threshold: int = NEVER_TRIM,
                        top_pad: int = TOP_PAD) -> bool:
    """Make glibc keep freed blocks for reuse instead of unmapping them.

    Setting the mmap threshold also turns off glibc's dynamic adjustment of
    both thresholds. It applies to allocations made after the call.

    Args:
        mmap_threshold (int): Blocks at least this large are mapped
            directly (at most ``MAX_MMAP_THRESHOLD``).
        trim_threshold (int): Free bytes at the top of the heap above which
            glibc returns them to the kernel.
        top_pad (int): Extra bytes requested whenever the heap grows.

    Returns:
        bool: Whether the settings were applied: False where the C library
        is not glibc (nothing is changed there).

    Raises:
        ValueError: If ``mmap_threshold`` exceeds ``MAX_MMAP_THRESHOLD`` or
            glibc rejects a value.
    """
    if not 0 < mmap_threshold <= MAX_MMAP_THRESHOLD:
        raise ValueError(f'retain_freed_memory: mmap_threshold must be in '
                         f'(0, {MAX_MMAP_THRESHOLD}], got {mmap_threshold}')
    libc = _glibc()
    if libc is None:
        return False
    for param, value, name in ((M_MMAP_THRESHOLD, mmap_threshold,
                                'mmap_threshold'),
                               (M_TRIM_THRESHOLD, trim_threshold,
                                'trim_threshold'),
                               (M_TOP_PAD, top_pad, 'top_pad')):
        if libc.mallopt(param, value) != 1:
            raise ValueError(f'retain_freed_memory: glibc rejected '
                             f'{name}={value}')
    return True
