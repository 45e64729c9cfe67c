"""Tests of heatmap generation, pseudo-masks and heatmap files."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from fgi_mmseg.gaze.heatmap import (fast_heatmap, heatmap_to_pseudo_masks,
                                    load_heatmap, reference_heatmap,
                                    save_heatmap)

DATA_ROOT = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data'
# A small canvas keeps the slow reference fast in behaviour tests.
SMALL = dict(canvas=128, sigma=10)


def _random_fixations(seed, num):
    rng = np.random.default_rng(seed)
    return (rng.random(num), rng.random(num),
            rng.integers(50, 1000, num).astype(float))


@pytest.mark.parametrize('height,width,num,seed', [(64, 80, 5, 0),
                                                   (529, 621, 25, 1),
                                                   (1072, 1920, 60, 2)])
def test_fast_matches_reference_on_random_fixations(height, width, num, seed):
    x, y, d = _random_fixations(seed, num)
    ref = reference_heatmap(x, y, d, height, width)
    fast = fast_heatmap(x, y, d, height, width)
    assert fast.shape == ref.shape == (height, width)
    assert np.abs(fast - ref).max() <= 1e-3


def test_fast_matches_reference_on_another_canvas():
    x, y, d = _random_fixations(4, 12)
    ref = reference_heatmap(x, y, d, 70, 50, **SMALL)
    assert np.abs(fast_heatmap(x, y, d, 70, 50, **SMALL) - ref).max() <= 1e-3


def test_fast_matches_reference_with_fixations_on_the_edges():
    # x or y of 0 gives canvas index -1 (wraps), 1 gives the last index.
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.0005, 0.3])
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.5, 1.0])
    d = np.array([300.0, 200, 250, 400, 100, 150, 350])
    ref = reference_heatmap(x, y, d, 300, 200, sigma=50)
    fast = fast_heatmap(x, y, d, 300, 200, sigma=50)
    assert np.abs(fast - ref).max() <= 1e-3


@pytest.mark.parametrize('func', [reference_heatmap, fast_heatmap])
def test_zero_coordinate_wraps_to_the_far_edge_like_the_original(func):
    # round(0 * 768) - 1 = -1, which numpy reads as the last column.
    at_zero = func([0.0, 0.5], [0.5, 0.2], [300, 100], 96, 96, **SMALL)
    at_one = func([1.0, 0.5], [0.5, 0.2], [300, 100], 96, 96, **SMALL)
    np.testing.assert_array_equal(at_zero, at_one)
    assert at_zero[48, -1] > at_zero[48, 0]


@pytest.mark.parametrize('func', [reference_heatmap, fast_heatmap])
def test_repeated_fixations_accumulate(func):
    twice = func([0.3, 0.3, 0.7], [0.4, 0.4, 0.6], [100, 100, 150], 50, 50,
                 **SMALL)
    once = func([0.3, 0.7], [0.4, 0.6], [200, 150], 50, 50, **SMALL)
    np.testing.assert_allclose(twice, once, atol=1e-6)


@pytest.mark.parametrize('func', [reference_heatmap, fast_heatmap])
def test_heatmap_is_float32_min_max_normalised(func):
    x, y, d = _random_fixations(3, 10)
    heatmap = func(x, y, d, 120, 90, **SMALL)
    assert heatmap.dtype == np.float32
    assert heatmap.min() >= 0 and heatmap.max() <= 1
    assert heatmap.max() > 0.99  # the peak is 1 before the resize


@pytest.mark.parametrize('func', [reference_heatmap, fast_heatmap])
def test_no_fixations_give_an_all_zero_map(func):
    heatmap = func([], [], [], 20, 30, **SMALL)
    assert heatmap.shape == (20, 30)
    assert not heatmap.any()


@pytest.mark.parametrize('func', [reference_heatmap, fast_heatmap])
def test_coordinates_outside_the_canvas_raise(func):
    with pytest.raises(ValueError, match='x coordinate'):
        func([1.01], [0.5], [100], 20, 20, **SMALL)


def test_fast_matches_reference_on_real_kvasir_fixations():
    csv_path = DATA_ROOT / 'gaze' / 'kvasir_fixation.csv'
    if not csv_path.is_file():
        pytest.skip(f'real gaze data not found at {csv_path.resolve()} '
                    '(shared data folder absent)')
    from fgi_mmseg.gaze.fixations import read_fixations
    table = read_fixations(csv_path)
    assert table.report.num_bad == 0
    for image_id in sorted(table)[:5]:
        fix = table[image_id]
        args = (fix.x, fix.y, fix.duration, fix.height, fix.width)
        diff = np.abs(fast_heatmap(*args) - reference_heatmap(*args)).max()
        assert diff <= 0.01, image_id


def test_pseudo_masks_follow_the_thresholds():
    heatmap = np.array([[0.0, 0.05, 0.06, 0.29],
                        [0.3, 0.49, 0.5, 1.0]], np.float32)
    sparse, comp = heatmap_to_pseudo_masks(heatmap)
    np.testing.assert_array_equal(sparse, [[0, 0, 255, 255],
                                           [255, 255, 1, 1]])
    np.testing.assert_array_equal(comp, [[0, 0, 0, 0], [1, 1, 1, 1]])
    assert sparse.dtype == comp.dtype == np.uint8


def test_pseudo_masks_without_ignore_band_when_t_bg_reaches_t_fg():
    heatmap = np.array([[0.0, 0.2, 0.5, 0.9]], np.float32)
    sparse, _ = heatmap_to_pseudo_masks(heatmap, t_fg=0.5, t_bg=0.5)
    np.testing.assert_array_equal(sparse, [[0, 0, 1, 1]])


def test_pseudo_masks_use_the_given_ignore_index():
    sparse, _ = heatmap_to_pseudo_masks(np.full((2, 2), 0.3), ignore_index=7)
    assert (sparse == 7).all()


@pytest.mark.parametrize('kwargs', [
    dict(t_fg=1.5), dict(t_bg=-0.1), dict(t_comp=2.0), dict(ignore_index=1),
    dict(ignore_index=256)
])
def test_pseudo_masks_reject_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        heatmap_to_pseudo_masks(np.zeros((2, 2)), **kwargs)


def _ramp(height=17, width=23):
    return np.linspace(0, 1, height * width, dtype=np.float32).reshape(
        height, width)


def test_png_8bit_roundtrip(tmp_path):
    heatmap = _ramp()
    save_heatmap(tmp_path / 'h.png', heatmap)
    assert cv2.imread(str(tmp_path / 'h.png'),
                      cv2.IMREAD_UNCHANGED).dtype == np.uint8
    loaded = load_heatmap(tmp_path / 'h.png')
    assert loaded.dtype == np.float32
    assert np.abs(loaded - heatmap).max() <= 0.5 / 255 + 1e-7


def test_png_16bit_roundtrip(tmp_path):
    heatmap = _ramp()
    save_heatmap(tmp_path / 'h.png', heatmap, bit_depth=16)
    assert cv2.imread(str(tmp_path / 'h.png'),
                      cv2.IMREAD_UNCHANGED).dtype == np.uint16
    loaded = load_heatmap(tmp_path / 'h.png')
    assert np.abs(loaded - heatmap).max() <= 0.5 / 65535 + 1e-7


def test_npy_roundtrip_is_exact(tmp_path):
    heatmap = _ramp()
    save_heatmap(tmp_path / 'h.npy', heatmap)
    np.testing.assert_array_equal(load_heatmap(tmp_path / 'h.npy'), heatmap)


def test_save_leaves_no_temporary_files(tmp_path):
    save_heatmap(tmp_path / 'h.png', _ramp())
    save_heatmap(tmp_path / 'h.png', _ramp())  # overwrite
    assert [p.name for p in tmp_path.iterdir()] == ['h.png']


def test_load_reads_8bit_jpeg(tmp_path):
    cv2.imwrite(str(tmp_path / 'h.jpg'), np.full((8, 8), 255, np.uint8))
    loaded = load_heatmap(tmp_path / 'h.jpg')
    assert loaded.shape == (8, 8)
    np.testing.assert_allclose(loaded, 1.0, atol=2 / 255)


def test_save_rejects_values_outside_unit_range(tmp_path):
    with pytest.raises(ValueError, match='h.png'):
        save_heatmap(tmp_path / 'h.png', np.full((2, 2), 1.5))


def test_save_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match='unsupported'):
        save_heatmap(tmp_path / 'h.bmp', np.zeros((2, 2)))


def test_load_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.png'):
        load_heatmap(tmp_path / 'missing.png')


def test_load_corrupt_file_names_it(tmp_path):
    (tmp_path / 'bad.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='bad.png'):
        load_heatmap(tmp_path / 'bad.png')
