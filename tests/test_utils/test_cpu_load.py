"""fgi_mmseg.utils.cpu_load: how much of the machine a run had."""
import os

import pytest

from fgi_mmseg.utils.cpu_load import (CpuShare, CpuSnapshot, cpu_share,
                                      cpu_snapshot)


def _stat(tmp_path, first_line):
    path = tmp_path / 'stat'
    path.write_text(first_line + '\ncpu0 1 2 3 4 5 6 7 8 0 0\n')
    return str(path)


def test_the_all_cpu_line_is_read_in_seconds(tmp_path):
    hz = os.sysconf('SC_CLK_TCK')
    # user nice system idle iowait irq softirq steal guest guest_nice
    snap = cpu_snapshot(_stat(tmp_path, f'cpu {10 * hz} {hz} {2 * hz} '
                              f'{40 * hz} {3 * hz} 0 {hz} {5 * hz} '
                              f'{7 * hz} 0'))
    assert snap.total == pytest.approx(62)  # guest is inside user already
    assert snap.steal == pytest.approx(5)
    assert snap.busy == pytest.approx(14)  # user nice system irq softirq
    times = os.times()
    assert 0 < snap.own <= times.user + times.system + \
        times.children_user + times.children_system


def test_a_system_without_counters_gives_none(tmp_path):
    assert cpu_snapshot(str(tmp_path / 'absent')) is None
    assert cpu_share(None, CpuSnapshot(1, 0, 0, 0)) is None


def test_a_file_that_is_not_proc_stat_is_named(tmp_path):
    with pytest.raises(ValueError, match=r'stat: first line .*intr'):
        cpu_snapshot(_stat(tmp_path, 'intr 1 2 3'))


def test_steal_and_other_processes_are_shares_of_all_cpu_time():
    before = CpuSnapshot(total=100, steal=10, busy=30, own=5)
    after = CpuSnapshot(total=300, steal=60, busy=150, own=105)
    share = cpu_share(before, after)
    # 200 s of CPU time: 50 stolen, 120 busy of which 100 were ours.
    assert share == CpuShare(total=200, steal=50, others=20)
    assert share.percent() == dict(cpu_steal='25.0', cpu_others='10.0')


def test_tick_rounding_never_gives_negative_other_time():
    share = cpu_share(CpuSnapshot(0, 0, 10, 0), CpuSnapshot(4, 0, 12, 2.01))
    assert share.others == 0.0


def test_shares_of_resumed_invocations_add_up():
    total = CpuShare(100, 10, 0) + CpuShare(300, 0, 40)
    assert total.percent() == dict(cpu_steal='2.5', cpu_others='10.0')
    assert CpuShare().percent() == dict(cpu_steal='', cpu_others='')
