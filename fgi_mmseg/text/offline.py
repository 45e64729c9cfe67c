"""The prompt-ablation describers: ``blank`` and ``random`` (method §4).

The paper compares VLM descriptions with a blank prompt (79.76 Dice on
Kvasir) and a random prompt (78.82) to show that the text's content matters.
Both describers here produce schema-valid reports, so the rest of the text
path (phrases, encoder, cache) is exercised identically and only the
information in the text changes.
"""
import hashlib
from typing import Any, Dict

import numpy as np

from .base import BaseDescriber, DescribeSample, register_describer
from .schema import (BOUNDARIES, CONFIDENCES, LOCATIONS, MAX_EXTRA_WORDS,
                     SHAPES, validate_report)

# The blank report: the same for every image, so the text carries no
# information about any image. 'center', 'ambiguous', area 0 and 'low'
# confidence are the least committal values the schema allows.
BLANK_REPORT = {
    'location': 'center',
    'boundary': 'ambiguous',
    'characteristics': ['smooth'],
    'area_percentage': 0,
    'confidence': 'low',
    'remarks': '',
}

# Texture/brightness words the random describer draws from (the kind of
# words a VLM uses for endoscopy and dermoscopy images).
RANDOM_WORDS = ('reddish', 'pale', 'bright', 'dark', 'granular',
                'homogeneous', 'glossy', 'textured', 'pinkish', 'brownish',
                'vascular', 'mottled')


@register_describer
class BlankDescriber(BaseDescriber):
    """The 'blank prompt' ablation: one constant, valid, empty report."""

    name = 'blank'

    def describe(self, sample: DescribeSample) -> Dict[str, Any]:
        """Return :data:`BLANK_REPORT` (normalised) whatever the sample."""
        return validate_report(BLANK_REPORT)


def sample_rng(seed: int, sample_id: str) -> np.random.Generator:
    """A generator determined by ``(seed, sample_id)`` alone.

    Uses SHA-256 rather than ``hash()``, which is salted per process, so
    reruns and other machines draw the same values.
    """
    digest = hashlib.sha256(f'{int(seed)}\0{sample_id}'.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], 'little'))


@register_describer
class RandomDescriber(BaseDescriber):
    """The 'random prompt' ablation: uniformly random valid values.

    Each sample's report depends only on ``(seed, sample_id)``, so a rerun
    or a resumed run reproduces it exactly, whatever the order of samples.

    Args:
        seed: Seed shared by all samples.
    """

    name = 'random'

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)

    def describe(self, sample: DescribeSample) -> Dict[str, Any]:
        """Draw a random report for the sample."""
        rng = sample_rng(self.seed, sample.sample_id)
        n_words = int(rng.integers(0, MAX_EXTRA_WORDS + 1))
        words = list(rng.choice(RANDOM_WORDS, size=n_words, replace=False))
        report = {
            'location': str(rng.choice(LOCATIONS)),
            'boundary': str(rng.choice(BOUNDARIES)),
            'characteristics': [str(rng.choice(SHAPES))] +
            [str(w) for w in words],
            'area_percentage': round(float(rng.uniform(0, 100)), 1),
            'confidence': str(rng.choice(CONFIDENCES)),
            'remarks': '',
        }
        return validate_report(report)

    def __repr__(self) -> str:
        return f'RandomDescriber(seed={self.seed})'
