"""retain_freed_memory: a step's freed buffers stop page-faulting back in.

The allocator setting is process-wide and cannot be undone, so each case
runs in a fresh interpreter.
"""
import subprocess
import sys

import pytest

from fgi_mmseg.utils import malloc
from fgi_mmseg.utils.malloc import (MAX_MMAP_THRESHOLD, _glibc,
                                    retain_freed_memory)

# 64 blocks of 1 MiB, written, freed, 20 times: the pattern of a training
# step's activations. Prints the minor page faults of rounds 2-20.
STEPS = '''
import importlib.util, resource
import numpy as np
spec = importlib.util.spec_from_file_location('malloc', {path!r})
malloc = importlib.util.module_from_spec(spec)  # not the whole package
spec.loader.exec_module(malloc)
if {retain}:
    assert malloc.retain_freed_memory()
def step():
    blocks = [np.ones(1 << 17) for _ in range(64)]  # 64 x 1 MiB
    del blocks
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(19):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
'''

needs_glibc = pytest.mark.skipif(_glibc() is None, reason='needs glibc')


def _faults(retain: bool) -> int:
    out = subprocess.run(
        [sys.executable, '-c', STEPS.format(path=malloc.__file__,
                                            retain=retain)],
        check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


@needs_glibc
def test_freed_blocks_are_reused_without_page_faults():
    # Defaults: glibc trims the freed 64 MiB from the heap's top every
    # round, and the next round faults every page in again (~16 k pages).
    default, retained = _faults(False), _faults(True)
    assert default > 19 * 64 * 256 * 0.5
    assert retained < default / 20


@pytest.mark.parametrize('kwargs, name', [
    (dict(mmap_threshold=MAX_MMAP_THRESHOLD + 1), 'mmap_threshold'),
    (dict(mmap_threshold=0), 'mmap_threshold'),
    (dict(mmap_threshold=1.5e6), 'mmap_threshold'),
    (dict(trim_threshold=-2), 'trim_threshold'),
    (dict(trim_threshold=2**31), 'trim_threshold'),  # would wrap in a C int
    (dict(top_pad=-1), 'top_pad'),
])
def test_out_of_range_settings_are_refused_before_glibc_sees_them(
        kwargs, name, monkeypatch):
    monkeypatch.setattr(malloc, '_glibc', lambda: pytest.fail('called'))
    with pytest.raises(ValueError, match=name):
        retain_freed_memory(**kwargs)


def test_without_glibc_nothing_is_applied(monkeypatch):
    monkeypatch.setattr(malloc, '_glibc', lambda: None)
    assert retain_freed_memory() is False
