from unittest import mock

import numpy as np
import pytest
from mmcv.transforms import Compose
from mmseg.registry import TRANSFORMS

from fgi_mmseg.datasets.transforms import CachedTransforms, LoadGazeHeatmap

HEAD = [
    dict(type='LoadGazeHeatmap', t_fg=0.5, t_bg=0.2, t_comp=0.3),
    dict(type='SegFieldsResize', scale=(4, 3), keep_ratio=False),
]


def _heatmap(tmp_path, name='h.npy', peak=1.0):
    heatmap = np.tile(np.linspace(0, peak, 8, dtype=np.float32), (6, 1))
    path = str(tmp_path / name)
    np.save(path, heatmap)
    return path


def _results(path):
    return dict(sample_id='s1', seg_fields=[], ori_shape=(6, 8),
                img=np.zeros((6, 8, 3), np.uint8), img_shape=(6, 8),
                heatmap_path=path)


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], np.ndarray):
            assert np.array_equal(a[key], b[key]), key
        else:
            assert a[key] == b[key], key


def test_output_equals_the_uncached_pipeline(tmp_path):
    path = _heatmap(tmp_path)
    cached = CachedTransforms(HEAD)
    expected = Compose([TRANSFORMS.build(t) for t in HEAD])(_results(path))
    first = cached(_results(path))
    again = cached(_results(path))
    _assert_same(first, expected)
    _assert_same(again, expected)
    assert again['gt_comp_seg'].shape == (3, 4)


def test_second_call_skips_the_wrapped_transforms(tmp_path):
    path = _heatmap(tmp_path)
    cached = CachedTransforms(HEAD)
    with mock.patch.object(LoadGazeHeatmap, 'transform',
                           autospec=True,
                           side_effect=LoadGazeHeatmap.transform) as load:
        cached(_results(path))
        cached(_results(path))
        assert load.call_count == 1
        cached(_results(_heatmap(tmp_path, 'other.npy', peak=0.4)))
        assert load.call_count == 2  # another sample is another key


def test_in_place_changes_downstream_do_not_reach_the_cache(tmp_path):
    path = _heatmap(tmp_path)
    cached = CachedTransforms(HEAD)
    first = cached(_results(path))
    first['gt_comp_seg'][:] = 7  # what a flip or pack may do in place
    first['seg_fields'].append('extra')
    again = cached(_results(path))
    assert not (again['gt_comp_seg'] == 7).any()
    assert 'extra' not in again['seg_fields']


def test_max_items_bounds_the_cache(tmp_path):
    cached = CachedTransforms(HEAD, max_items=1)
    cached(_results(_heatmap(tmp_path, 'a.npy')))
    cached(_results(_heatmap(tmp_path, 'b.npy')))
    assert len(cached._cache) == 1


def test_results_without_a_key_field_are_refused():
    with pytest.raises(KeyError, match='key fields'):
        CachedTransforms(HEAD)(dict(seg_fields=[]))


def test_copy_results_is_a_deep_copy():
    import copy

    from fgi_mmseg.datasets.transforms.caching import copy_results

    class Box:

        def __init__(self):
            self.items = [1]

    objects = np.empty(1, dtype=object)
    objects[0] = [1]
    results = dict(img=np.arange(6).reshape(2, 3), seg_fields=['gt'],
                   shape=(2, 3), nested=dict(flips={'none': np.ones(2)}),
                   pair=([1], 'a'), objects=objects, box=Box(), none=None)
    copied = copy_results(results)
    assert copied.keys() == copy.deepcopy(results).keys()
    np.testing.assert_array_equal(copied['img'], results['img'])
    assert not np.shares_memory(copied['img'], results['img'])
    assert not np.shares_memory(copied['nested']['flips']['none'],
                                results['nested']['flips']['none'])
    for key in ('seg_fields', 'pair'):
        assert copied[key] == results[key] and copied[key] is not \
            results[key]
    assert copied['pair'][0] is not results['pair'][0]
    assert copied['objects'][0] == [1] and \
        copied['objects'][0] is not objects[0]
    assert copied['box'] is not results['box'] and \
        copied['box'].items == [1]
    assert copied['shape'] == (2, 3) and copied['none'] is None
