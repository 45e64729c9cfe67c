"""Keep freed heap memory in the process (glibc's ``mallopt``).

A CPU training step allocates and frees the same large activations and
gradients every iteration. With glibc's defaults, blocks above a (dynamic)
threshold are ``mmap``-ed and unmapped again, and free memory at the top
of the heap is handed back to the kernel, so every step page-faults its
buffers in afresh, zeroed by the kernel. PyTorch's CPU allocator has no
cache of its own to hide this. The FGI teacher's real ``cpu_fast`` loop
(112 x 112, batch 8, 2 threads) took 2.0 million minor page faults in 260
iterations with the defaults and 0.3 million with the settings below, and
its ``train_step`` 105.6 against 86.8 ms (docs/results.md, "Third pass":
the allocator).

The settings change no numbers, only where memory comes from; the price
is that the process keeps its peak heap until it exits.
"""
import ctypes
import functools
from typing import Optional, Tuple

# mallopt parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

# glibc refuses an mmap threshold above half its heap size (32 MiB on
# 64-bit): blocks larger than that are still mapped and unmapped.
MAX_MMAP_THRESHOLD = 32 * 1024 * 1024
# A trim threshold of -1 turns trimming off (mallopt(3)): a step's peak
# returns every iteration.
NEVER_TRIM = -1
# Grow the heap in large steps, so that a growing peak costs few brk calls.
TOP_PAD = 256 * 1024 * 1024
_INT_MAX = 2**31 - 1


@functools.lru_cache(maxsize=None)
def _glibc() -> Optional[ctypes.CDLL]:
    """The process's own C library, if it is glibc."""
    libc = ctypes.CDLL(None)  # the symbols already loaded: no search
    if not hasattr(libc, 'gnu_get_libc_version'):
        return None  # musl, or another libc: no glibc mallopt semantics
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.mallopt.restype = ctypes.c_int
    return libc


def _check(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or \
            not low <= value <= high:
        raise ValueError(f'retain_freed_memory: {name} must be an integer '
                         f'in [{low}, {high}], got {value!r}')
    return value


def malloc_settings(mmap_threshold: int = MAX_MMAP_THRESHOLD,
                    trim_threshold: int = NEVER_TRIM,
                    top_pad: int = TOP_PAD) -> Tuple[tuple, ...]:
    """``(mallopt parameter, name, value)`` of each setting, checked.

    Raises:
        ValueError: If a value is out of the range :func:`retain_freed_memory`
            documents.
    """
    return (
        (M_MMAP_THRESHOLD, 'mmap_threshold',
         _check('mmap_threshold', mmap_threshold, 1, MAX_MMAP_THRESHOLD)),
        (M_TRIM_THRESHOLD, 'trim_threshold',
         _check('trim_threshold', trim_threshold, -1, _INT_MAX)),
        (M_TOP_PAD, 'top_pad', _check('top_pad', top_pad, 0, _INT_MAX)),
    )


def retain_freed_memory(mmap_threshold: int = MAX_MMAP_THRESHOLD,
                        trim_threshold: int = NEVER_TRIM,
                        top_pad: int = TOP_PAD) -> bool:
    """Make glibc keep freed blocks for reuse instead of unmapping them.

    Setting the mmap threshold also turns off glibc's dynamic adjustment of
    both thresholds. It applies to allocations made after the call.

    Args:
        mmap_threshold (int): Blocks at least this large are mapped
            directly (1 to ``MAX_MMAP_THRESHOLD``).
        trim_threshold (int): Free bytes at the top of the heap above which
            glibc returns them to the kernel; -1 never.
        top_pad (int): Extra bytes requested whenever the heap grows.

    Returns:
        bool: Whether the settings were applied: False where the C library
        is not glibc (nothing is changed there).

    Raises:
        ValueError: If a value is out of range or glibc rejects it.
    """
    settings = malloc_settings(mmap_threshold, trim_threshold, top_pad)
    libc = _glibc()
    if libc is None:
        return False
    for param, name, value in settings:
        if libc.mallopt(param, value) != 1:
            raise ValueError(f'retain_freed_memory: glibc rejected '
                             f'{name}={value}')
    return True
