"""The consistency ramp-up ``w(t)`` of method §6."""
import math


def sigmoid_rampup(iteration: int, max_iters: int,
                   rampup_ratio: float = 4000 / 15000) -> float:
    """``w(t) = exp(-5 (1 - min(t, T) / T)^2)`` with ``T`` a fraction of
    the schedule (the authors reach 1 at 4,000 of 15,000 iterations), so
    short schedules ramp up proportionally.

    Args:
        iteration (int): Current iteration ``t``.
        max_iters (int): Length of the schedule.
        rampup_ratio (float): ``T / max_iters``; 0 disables the ramp.

    Returns:
        float: The weight in (0, 1].
    """
    length = rampup_ratio * max_iters
    if length <= 0:
        return 1.0
    phase = 1.0 - min(iteration, length) / length
    return math.exp(-5.0 * phase * phase)


def current_rampup_weight(rampup_ratio: float) -> float:
    """:func:`sigmoid_rampup` at the running loop's iteration, read from
    mmengine's ``MessageHub`` (1 outside a training run)."""
    from mmengine.logging import MessageHub
    hub = MessageHub.get_current_instance()
    max_iters = hub.get_info('max_iters')
    if not max_iters:
        return 1.0
    return sigmoid_rampup(hub.get_info('iter', 0), max_iters, rampup_ratio)
