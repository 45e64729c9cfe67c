"""Check the training and validation data before the first iteration."""
from typing import Iterator, List

from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from fgi_mmseg.datasets.verify import Problem, quick_check
from fgi_mmseg.utils.errors import UserFacingError

MAX_LISTED = 3  # problems named in the message; the verifier lists all


class DatasetProblemsError(UserFacingError, RuntimeError):
    """Files of a training run's datasets are missing or do not fit."""


def _leaf_datasets(dataset) -> Iterator:
    """The datasets inside mmengine's wrappers (Concat, Repeat, ...)."""
    children = getattr(dataset, 'datasets', None)
    if children is None and hasattr(dataset, 'dataset'):
        children = [dataset.dataset]
    if children is None:
        yield dataset
        return
    for child in children:
        yield from _leaf_datasets(child)


@HOOKS.register_module()
class DatasetCheckHook(Hook):
    """Run :func:`fgi_mmseg.datasets.verify.quick_check` before training.

    A missing heatmap, an embedding that was never encoded or a val mask
    of another size would otherwise stop training when a worker first
    loads that sample, possibly after the first validation, hours in. The
    check reads file headers only; ``tools/misc/verify_dataset.py`` decodes
    every file and lists every problem.

    Raises:
        DatasetProblemsError: One line: how many problems, the first few.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        problems: List[Problem] = []
        loops = dict(train=runner.train_loop, val=runner.val_loop)
        for split, loop in loops.items():
            dataloader = getattr(loop, 'dataloader', None)
            if dataloader is None:
                continue
            for dataset in _leaf_datasets(dataloader.dataset):
                problems += quick_check(dataset, split)
        if not problems:
            return
        shown = '; '.join(str(p) for p in problems[:MAX_LISTED])
        more = len(problems) - MAX_LISTED
        raise DatasetProblemsError(
            f'{len(problems)} problems in the training data, before the '
            f'first iteration: {shown}' +
            (f'; and {more} more' if more > 0 else '') +
            ' (tools/misc/verify_dataset.py CONFIG lists them all)')
