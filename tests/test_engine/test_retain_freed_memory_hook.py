"""RetainFreedMemoryHook: applies the allocator setting once per run."""
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from fgi_mmseg.engine import RetainFreedMemoryHook
from fgi_mmseg.engine.hooks import retain_freed_memory_hook
from tests.conftest import REPO


def _runner(records):
    return SimpleNamespace(logger=SimpleNamespace(
        info=lambda msg: records.append(('info', msg)),
        warning=lambda msg: records.append(('warning', msg))))


def test_before_run_applies_the_threshold_and_says_so(monkeypatch):
    calls, records = [], []
    monkeypatch.setattr(retain_freed_memory_hook, 'retain_freed_memory',
                        lambda threshold: calls.append(threshold) or True)
    RetainFreedMemoryHook(mmap_threshold=1 << 20).before_run(
        _runner(records))
    assert calls == [1 << 20]
    assert records[0][0] == 'info' and '1048576 bytes' in records[0][1]


def test_without_glibc_it_warns_and_changes_nothing(monkeypatch):
    records = []
    monkeypatch.setattr(retain_freed_memory_hook, 'retain_freed_memory',
                        lambda threshold: False)
    RetainFreedMemoryHook().before_run(_runner(records))
    assert records[0][0] == 'warning' and 'not glibc' in records[0][1]


def test_cpu_fast_protocol_uses_it():
    cfg = Config.fromfile(REPO / 'configs/benchmark/kvasir/unet_gaze.py')
    types = [h['type'] for h in cfg.custom_hooks]
    assert types == ['ChannelsLastHook', 'RetainFreedMemoryHook']


def test_a_threshold_glibc_would_refuse_fails_when_the_hook_is_built():
    with pytest.raises(ValueError, match='mmap_threshold'):
        RetainFreedMemoryHook(mmap_threshold=64 * 1024 * 1024)
