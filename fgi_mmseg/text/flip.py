"""Flip-consistent text: mirrored reports and the flip variants' folders.

A report says where the region lies ("lower left"). A training flip moves
the region, so the text has to move with it: a horizontally flipped image
of a "lower left" polyp shows a "lower right" one. Every report therefore
has four variants, one per element of the flip group {none, horizontal,
vertical, diagonal (both)}; ``tools/text/encode.py`` encodes each once
into its own folder::

    embeddings/<id>.npy                   the report as written
    embeddings/flip_horizontal/<id>.npy   left <-> right
    embeddings/flip_vertical/<id>.npy     upper <-> lower
    embeddings/flip_diagonal/<id>.npy     both

and ``SegFieldsRandomFlip`` selects the variant of the flips it applied
(:func:`compose_flips`), so the encodings are computed once, not per step.
"""
import os.path as osp
import re
from typing import Any, Dict, Mapping, Optional

from .schema import validate_report

FLIP_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')
# Which axes a direction mirrors: (left-right, upper-lower).
_AXES = {
    None: (False, False),
    'horizontal': (True, False),
    'vertical': (False, True),
    'diagonal': (True, True),
}
_DIRECTION_OF = {axes: direction for direction, axes in _AXES.items()}
# Orientation words and their mirror images, per axis. Whole words only,
# so 'leftover' or 'bottomless' stay as they are.
_SWAPS = (
    {'left': 'right', 'right': 'left'},
    {'upper': 'lower', 'lower': 'upper', 'top': 'bottom', 'bottom': 'top',
     'superior': 'inferior', 'inferior': 'superior'},
)


def _check(direction: Optional[str]) -> None:
    if direction not in _AXES:
        raise ValueError(f'flip direction must be one of '
                         f'{FLIP_DIRECTIONS} or None, got {direction!r}')


def compose_flips(first: Optional[str], second: Optional[str]) -> Optional[str]:
    """The direction equal to flipping by ``first`` and then ``second``.

    ``None`` is no flip; e.g. horizontal then vertical is ``'diagonal'``
    and horizontal twice is ``None``.
    """
    _check(first)
    _check(second)
    axes = tuple(a != b for a, b in zip(_AXES[first], _AXES[second]))
    return _DIRECTION_OF[axes]


def _mirror_words(text: str, direction: str) -> str:
    swaps: Dict[str, str] = {}
    for mirrored, table in zip(_AXES[direction], _SWAPS):
        if mirrored:
            swaps.update(table)
    if not swaps:
        return text
    pattern = re.compile(r'\b(' + '|'.join(swaps) + r')\b', re.IGNORECASE)

    def swap(match: re.Match) -> str:
        word = match.group(0)
        new = swaps[word.lower()]
        return new.capitalize() if word[0].isupper() else new

    return pattern.sub(swap, text)


def mirror_report(report: Mapping[str, Any],
                  direction: Optional[str]) -> Dict[str, Any]:
    """The report of the image flipped by ``direction``.

    Only orientation depends on the flip: ``location`` is mirrored
    (``center`` stays), and orientation words in ``remarks`` are swapped
    as whole words. Boundary, characteristics, area and confidence are
    unchanged.

    Args:
        report: A report (validated first).
        direction: ``'horizontal'``, ``'vertical'``, ``'diagonal'`` or
            None (no flip: the validated report itself).

    Returns:
        A new validated report.

    Raises:
        ValueError: If ``direction`` is unknown.
        ReportValidationError: If the report breaks the schema.
    """
    _check(direction)
    mirrored = validate_report(report)
    if direction is None:
        return mirrored
    mirrored['location'] = _mirror_words(mirrored['location'], direction)
    mirrored['remarks'] = _mirror_words(mirrored['remarks'], direction)
    return validate_report(mirrored)


def flip_variant_dir(cache_dir: str, direction: Optional[str]) -> str:
    """The folder of one flip variant's embeddings (None: ``cache_dir``)."""
    _check(direction)
    return cache_dir if direction is None else osp.join(
        cache_dir, f'flip_{direction}')


def flip_variant_path(embed_path: str, direction: Optional[str]) -> str:
    """``embeddings/<id>.npy`` -> ``embeddings/flip_<direction>/<id>.npy``."""
    folder, name = osp.split(embed_path)
    return osp.join(flip_variant_dir(folder, direction), name)
