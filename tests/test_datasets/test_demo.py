import numpy as np
import pytest

from fgi_mmseg.datasets.demo import render_polyp_image


@pytest.mark.parametrize('seed', range(5))
def test_rendered_lesions_are_plausible(seed):
    img, mask = render_polyp_image(np.random.default_rng(seed), size=128)
    assert img.shape == (128, 128, 3) and img.dtype == np.uint8
    assert set(np.unique(mask)) == {0, 1}
    # Lesions cover a few percent up to about a third of the image.
    assert 0.01 < mask.mean() < 0.45
    # Mucosa is reddish: red dominates on average.
    assert img[..., 0].mean() > img[..., 1].mean()


def test_lesions_differ_from_background_in_colour():
    diffs = []
    for seed in range(10):
        img, mask = render_polyp_image(np.random.default_rng(seed), 128)
        inside = img[mask.astype(bool)].mean(0)
        outside = img[~mask.astype(bool)].mean(0)
        diffs.append(np.abs(inside - outside).max())
    # Some lesions are subtle, but on average they are visible.
    assert np.mean(diffs) > 8
