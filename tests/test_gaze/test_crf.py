"""Tests of the optional dense-CRF heatmap refinement."""
import builtins

import numpy as np
import pytest

from fgi_mmseg.gaze import crf as crf_module
from fgi_mmseg.gaze.crf import refine_with_crf
from fgi_mmseg.gaze.report import dice


def _needs_pydensecrf():
    pytest.importorskip(
        'pydensecrf.densecrf',
        reason='optional pydensecrf2 not installed (pip install pydensecrf2)')


def _square_scene(size=64, lo=16, hi=48):
    """A bright square on a dark background and a round gaze blob on it."""
    image = np.full((size, size, 3), 30, np.uint8)
    image[lo:hi, lo:hi] = 200
    truth = np.zeros((size, size), bool)
    truth[lo:hi, lo:hi] = True
    yy, xx = np.mgrid[:size, :size]
    centre = (size - 1) / 2
    heatmap = np.exp(-((yy - centre)**2 + (xx - centre)**2) /
                     (2 * 14.0**2)).astype(np.float32)
    return image, heatmap, truth


def test_output_range_and_shape():
    _needs_pydensecrf()
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    heatmap = rng.random((40, 56)).astype(np.float32)
    heatmap[0, 0], heatmap[0, 1] = 0.0, 1.0  # the clipped extremes
    refined = refine_with_crf(image, heatmap)
    assert refined.shape == (40, 56) and refined.dtype == np.float32
    assert np.all(np.isfinite(refined))
    assert refined.min() >= 0.0 and refined.max() <= 1.0
    # Deterministic, and grey images work like their 3-channel copies.
    np.testing.assert_array_equal(refine_with_crf(image, heatmap), refined)
    grey = image[..., 0]
    np.testing.assert_array_equal(
        refine_with_crf(grey, heatmap),
        refine_with_crf(np.repeat(grey[..., None], 3, axis=2), heatmap))


def test_sharpens_towards_image_edges():
    _needs_pydensecrf()
    image, heatmap, truth = _square_scene()
    refined = refine_with_crf(image, heatmap)
    # The jump across the square's left edge (columns 15 -> 16) grows ...
    row = 32
    assert refined[row, 16] - refined[row, 15] > \
        2 * (heatmap[row, 16] - heatmap[row, 15])
    # ... and the 0.5 pseudo-mask follows the square better.
    assert dice(refined >= 0.5, truth) > dice(heatmap >= 0.5, truth) + 0.05
    # Inside and outside are pushed apart.
    assert refined[truth].mean() > heatmap[truth].mean()
    assert refined[~truth].mean() < heatmap[~truth].mean()


def test_bad_inputs():
    _needs_pydensecrf()
    image, heatmap, _ = _square_scene()
    with pytest.raises(ValueError, match='sizes differ'):
        refine_with_crf(image[:10], heatmap)
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        refine_with_crf(image, heatmap * 2)
    with pytest.raises(ValueError, match='uint8'):
        refine_with_crf(image.astype(np.float32), heatmap)


def test_missing_package_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_pydensecrf(name, *args, **kwargs):
        if name.startswith('pydensecrf'):
            raise ImportError(f'No module named {name!r}')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_pydensecrf)
    assert not crf_module.crf_available()
    image, heatmap, _ = _square_scene()
    with pytest.raises(ImportError, match='pip install pydensecrf2'):
        refine_with_crf(image, heatmap)
