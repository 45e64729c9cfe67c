"""Tests of the seeded gaze simulator."""
import numpy as np
import pytest
from scipy import ndimage

from fgi_mmseg.gaze.simulate import simulate_fixations


def _mask(height=120, width=160):
    mask = np.zeros((height, width), np.uint8)
    mask[30:80, 50:110] = 1
    return mask


def _pixels(fix):
    # Inverse of x = (col + 0.5) / W, y = (row + 0.5) / H.
    return (np.floor(fix.y * fix.height).astype(int),
            np.floor(fix.x * fix.width).astype(int))


def test_same_seed_gives_the_same_fixations():
    a = simulate_fixations(_mask(), np.random.default_rng(7), 'a')
    b = simulate_fixations(_mask(), np.random.default_rng(7), 'a')
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.duration, b.duration)


def test_another_seed_gives_other_fixations():
    a = simulate_fixations(_mask(), np.random.default_rng(7), 'a')
    b = simulate_fixations(_mask(), np.random.default_rng(8), 'a')
    assert len(a) != len(b) or not np.array_equal(a.x, b.x)


def test_most_fixations_fall_inside_the_mask():
    rng = np.random.default_rng(0)
    mask = _mask()
    hits = []
    for _ in range(20):
        rows, cols = _pixels(simulate_fixations(mask, rng, 'a'))
        hits.append(mask[rows, cols])
    assert np.concatenate(hits).mean() >= 0.75


def test_counts_durations_coordinates_and_size():
    rng = np.random.default_rng(1)
    for _ in range(20):
        fix = simulate_fixations(
            _mask(), rng, 'img', num_range=(5, 9), duration_range=(100, 800))
        assert 5 <= len(fix) <= 9
        assert fix.duration.min() >= 100 and fix.duration.max() <= 800
        assert np.all(fix.duration == np.round(fix.duration))
        assert np.all((fix.x > 0) & (fix.x < 1) & (fix.y > 0) & (fix.y < 1))
        assert (fix.image_id, fix.height, fix.width) == ('img', 120, 160)


def test_coordinates_are_pixel_centres():
    fix = simulate_fixations(_mask(), np.random.default_rng(2), 'a')
    np.testing.assert_allclose((fix.x * fix.width) % 1, 0.5)
    np.testing.assert_allclose((fix.y * fix.height) % 1, 0.5)


def test_inside_only_lands_on_the_lesion():
    mask = _mask()
    fix = simulate_fixations(
        mask, np.random.default_rng(3), 'a', inside=1.0, border=0.0)
    rows, cols = _pixels(fix)
    assert mask[rows, cols].all()


def test_border_only_stays_near_the_boundary():
    mask = _mask()
    fix = simulate_fixations(
        mask, np.random.default_rng(4), 'a', inside=0.0, border=1.0)
    rows, cols = _pixels(fix)
    lesion = mask.astype(bool)
    distance = np.where(lesion, ndimage.distance_transform_edt(lesion),
                        ndimage.distance_transform_edt(~lesion))
    assert distance[rows, cols].max() <= 0.03 * np.hypot(*mask.shape)


def test_empty_mask_spreads_fixations_over_the_image():
    fix = simulate_fixations(
        np.zeros((100, 100)), np.random.default_rng(5), 'a',
        num_range=(40, 40))
    assert len(fix) == 40
    # Uniform over the image: both halves are visited.
    assert (fix.x < 0.5).any() and (fix.x > 0.5).any()


def test_full_mask_is_handled():
    fix = simulate_fixations(np.ones((30, 30)), np.random.default_rng(6), 'a')
    assert len(fix) >= 10


@pytest.mark.parametrize('kwargs', [
    dict(num_range=(0, 5)), dict(num_range=(9, 3)),
    dict(inside=0.9, border=0.2), dict(inside=-0.1),
    dict(duration_range=(0, 100))
])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        simulate_fixations(_mask(), np.random.default_rng(0), 'a', **kwargs)
