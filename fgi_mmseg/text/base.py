"""The describer interface and its registry.

A describer turns one sample (an image, and its gaze heatmap when it has one)
into a report that passed :func:`~fgi_mmseg.text.schema.validate_report`, or
raises :class:`DescribeError` with a reason that is recorded as a failure.
Concrete describers register themselves under a short name with
:func:`register_describer`; :func:`fgi_mmseg.text.describers.build_describer`
builds one by that name.
"""
import abc
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, Optional, Type, TypeVar


@dataclass(frozen=True)
class DescribeSample:
    """What a describer may look at for one sample.

    There is deliberately no mask field: no describer can read ground truth.

    Args:
        sample_id: Image id (file name without suffix).
        image_path: The image file.
        heatmap_path: The gaze heatmap file, if there is one.
    """

    sample_id: str
    image_path: str
    heatmap_path: Optional[str] = None


class DescribeError(RuntimeError):
    """Describing one sample failed; ``reason`` is recorded in the file.

    Args:
        reason: Human-readable cause. It must never contain secrets.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class BaseDescriber(abc.ABC):
    """Turns a :class:`DescribeSample` into a validated report.

    Attributes:
        name: Registry name, also written into every record.
        needs_heatmap: Whether :meth:`describe` reads ``heatmap_path``.
        concurrency: Samples worth describing at once (threads);
            1 for CPU-bound offline describers.
    """

    name: ClassVar[str] = ''
    needs_heatmap: ClassVar[bool] = False
    concurrency: int = 1

    @abc.abstractmethod
    def describe(self, sample: DescribeSample) -> Dict[str, Any]:
        """Describe one sample.

        Args:
            sample: The sample.

        Returns:
            A report normalised by ``validate_report``.

        Raises:
            DescribeError: If no valid report could be obtained.
        """

    def scrub(self, text: str) -> str:
        """Remove secrets from text bound for logs or files.

        Describers holding secrets (API keys) override this; the pipeline
        passes every failure reason through it.
        """
        return text

    def close(self) -> None:
        """Release resources (connections); a no-op by default."""

    def __enter__(self) -> 'BaseDescriber':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


# Name -> describer class, filled by ``register_describer``.
DESCRIBERS: Dict[str, Type[BaseDescriber]] = {}

_D = TypeVar('_D', bound=Type[BaseDescriber])


def register_describer(cls: _D) -> _D:
    """Class decorator adding a describer to :data:`DESCRIBERS`."""
    if not cls.name:
        raise ValueError(f'{cls.__name__} has no name')
    if DESCRIBERS.get(cls.name, cls) is not cls:
        raise ValueError(f'describer name {cls.name!r} is already taken by '
                         f'{DESCRIBERS[cls.name].__name__}')
    DESCRIBERS[cls.name] = cls
    return cls


