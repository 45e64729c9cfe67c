"""Intensity normalisation for MRI."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PerImageZScore(BaseTransform):
    """Standardise each image to zero mean and unit variance (method §7).

    MRI intensities have no common scale across scanners, so NCI-ISBI is
    normalised per image instead of with dataset statistics; pair it with a
    data preprocessor without ``mean``/``std``.

    Required keys: ``img``. Modified keys: ``img`` (float32).

    Args:
        eps (float): Guards constant images. Defaults to 1e-6.
    """

    def __init__(self, eps: float = 1e-6) -> None:
        self.eps = eps

    def transform(self, results: dict) -> dict:
        img = results['img'].astype(np.float32)
        results['img'] = (img - img.mean()) / (img.std() + self.eps)
        return results
