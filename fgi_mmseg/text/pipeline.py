"""Run samples through a describer and append each record as it is ready.

Records are appended one by one (not at the end), so an interrupted run
keeps everything finished so far and the next run skips it.
"""
import concurrent.futures as cf
from dataclasses import dataclass, field
from typing import Dict, Iterable, Optional, Sequence

from tqdm import tqdm

from .base import BaseDescriber, DescribeError, DescribeSample
from .records import DescriptionRecord, JsonlAppender


@dataclass
class DescribeSummary:
    """What one :func:`describe_many` call did.

    Attributes:
        attempted: Samples processed (successes plus failures).
        failures: Sample id -> reason, for the recorded failures.
    """

    attempted: int = 0
    failures: Dict[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> int:
        """Samples that got a valid report."""
        return self.attempted - len(self.failures)


def describe_one(describer: BaseDescriber,
                 sample: DescribeSample) -> DescriptionRecord:
    """Describe one sample; any failure becomes a failure record.

    Unexpected exceptions (an unreadable file, a bug) are recorded too,
    with their type, so one bad sample cannot stop a long run; the summary
    and the file show them. ``KeyboardInterrupt`` still stops the run.
    """
    try:
        report = describer.describe(sample)
    except DescribeError as err:
        reason = err.reason
    except Exception as err:  # noqa: BLE001 - recorded, never hidden
        reason = f'{type(err).__name__}: {err}'
    else:
        return DescriptionRecord(sample.sample_id, describer.name,
                                 report=report)
    # Describers holding secrets (API keys) remove them from the reason.
    reason = describer.scrub(reason)
    return DescriptionRecord(sample.sample_id, describer.name,
                             error=reason or 'unknown error')


def describe_many(samples: Sequence[DescribeSample],
                  describer: BaseDescriber,
                  appender: JsonlAppender,
                  concurrency: Optional[int] = None,
                  progress: bool = True) -> DescribeSummary:
    """Describe samples and append one record per sample as it completes.

    Args:
        samples: The samples, in the order they are submitted.
        describer: Any describer.
        appender: Where records go.
        concurrency: Samples described at once; defaults to the
            describer's own ``concurrency`` (1 for offline describers,
            which then run in this thread).
        progress: Show a tqdm progress bar (on stderr), with the number
            of failures so far.

    Returns:
        The summary; failure reasons are also in the file.
    """
    workers = int(concurrency or getattr(describer, 'concurrency', 1) or 1)
    summary = DescribeSummary()
    bar = tqdm(total=len(samples), desc=f'describe ({describer.name})',
               unit='img', disable=not progress, dynamic_ncols=True,
               postfix={'failed': 0})

    def finish(record: DescriptionRecord) -> None:
        appender.append(record)
        summary.attempted += 1
        if not record.ok:
            summary.failures[record.id] = record.error
            # Seen during the run, a burst of failures (a wrong model
            # name, an exhausted quota) can be stopped early.
            bar.set_postfix(failed=len(summary.failures), refresh=False)
        bar.update(1)

    try:
        if workers <= 1:
            for sample in samples:
                finish(describe_one(describer, sample))
        else:
            _run_threaded(samples, describer, workers, finish)
    finally:
        bar.close()
    return summary


def _run_threaded(samples: Iterable[DescribeSample],
                  describer: BaseDescriber, workers: int, finish) -> None:
    """Keep at most ``2 * workers`` samples submitted; finish in order of
    completion (records are appended from this thread only)."""
    pending = set()
    with cf.ThreadPoolExecutor(workers,
                               thread_name_prefix='describe') as pool:
        try:
            for sample in samples:
                pending.add(pool.submit(describe_one, describer, sample))
                if len(pending) >= 2 * workers:
                    done, pending = cf.wait(
                        pending, return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        finish(future.result())
            for future in cf.as_completed(pending):
                finish(future.result())
        except BaseException:
            # Do not start queued samples after an interrupt or an error
            # in finish (e.g. a full disk).
            for future in pending:
                future.cancel()
            raise
