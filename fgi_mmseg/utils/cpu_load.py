"""How much of the machine a command had: CPU time stolen and CPU time used
by other processes, from Linux's counters.

Minutes compare between runs only when each had the cores to itself. On a
virtual machine the hypervisor can give the CPUs' time to other guests
("steal"), and other processes of this machine share the cores: measured
here, one heatmap build took 8 s and, an hour later, 20-24 s with about half
of the CPU time stolen (docs/results.md, "Seventh pass"). A benchmark row
therefore records both, so that its minutes can be read.

.. code-block:: none

    before = cpu_snapshot()          # /proc/stat + os.times()
    run the command (a waited-for child)
    share = cpu_share(before, cpu_snapshot())
    share.percent()  ->  {'cpu_steal': '48.3', 'cpu_others': '0.2'}
"""
import os
from dataclasses import dataclass
from typing import Dict, Optional

# /proc/stat's "cpu" line: user nice system idle iowait irq softirq steal
# (guest time is already counted in user and nice).
_BUSY = (0, 1, 2, 5, 6)
_STEAL = 7
_FIELDS = 8


@dataclass(frozen=True)
class CpuSnapshot:
    """Cumulative CPU seconds, summed over every CPU.

    Attributes:
        total: All time of all CPUs, idle included.
        steal: Time the hypervisor ran other guests.
        busy: Time spent running this machine's processes and interrupts.
        own: This process's and its waited-for children's user + system
            time.
    """
    total: float
    steal: float
    busy: float
    own: float


@dataclass(frozen=True)
class CpuShare:
    """CPU seconds over an interval, summable over resumed invocations.

    Attributes:
        total: All time of all CPUs in the interval.
        steal: Of it, stolen by the hypervisor.
        others: Of it, used by processes other than this one and its
            children.
    """
    total: float = 0.0
    steal: float = 0.0
    others: float = 0.0

    def __add__(self, other: 'CpuShare') -> 'CpuShare':
        return CpuShare(self.total + other.total, self.steal + other.steal,
                        self.others + other.others)

    def percent(self) -> Dict[str, str]:
        """``cpu_steal`` and ``cpu_others`` as percentages of ``total``,
        one decimal (empty strings for an empty interval)."""
        if self.total <= 0:
            return dict(cpu_steal='', cpu_others='')
        return dict(cpu_steal=f'{100 * self.steal / self.total:.1f}',
                    cpu_others=f'{100 * self.others / self.total:.1f}')


def cpu_snapshot(stat_path: str = '/proc/stat') -> Optional[CpuSnapshot]:
    """The counters now; None where the system has no ``/proc/stat``.

    Raises:
        ValueError: If the file's first line is not the all-CPU line.
    """
    try:
        with open(stat_path) as f:
            line = f.readline().split()
    except OSError:
        return None
    if not line or line[0] != 'cpu' or len(line) < _FIELDS + 1:
        raise ValueError(f'{stat_path}: first line {" ".join(line)!r} is '
                         f'not "cpu" and {_FIELDS} counters')
    ticks = [int(v) for v in line[1:_FIELDS + 1]]
    hz = os.sysconf('SC_CLK_TCK')
    times = os.times()
    return CpuSnapshot(
        total=sum(ticks) / hz,
        steal=ticks[_STEAL] / hz,
        busy=sum(ticks[i] for i in _BUSY) / hz,
        own=(times.user + times.system + times.children_user +
             times.children_system))


def cpu_share(before: Optional[CpuSnapshot],
              after: Optional[CpuSnapshot]) -> Optional[CpuShare]:
    """What happened between two snapshots; None if either is missing.

    Other processes' time is the machine's busy time less this process's
    and its children's, so a child must have been waited for (its time is
    added to ``os.times()`` when it ends). Tick rounding can make it
    slightly negative on an idle machine: it is clipped at 0.
    """
    if before is None or after is None:
        return None
    others = (after.busy - before.busy) - (after.own - before.own)
    return CpuShare(total=after.total - before.total,
                    steal=after.steal - before.steal,
                    others=max(0.0, others))
