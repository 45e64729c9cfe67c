"""Statistics of the benchmark rows and the paper's method order."""
import math

from fgi_mmseg.evaluation.benchmark import (ORDER, label, method_rank,
                                            paired_differences, summarise)


def test_methods_follow_the_paper_and_others_come_last():
    assert [method_rank(m) for m in ORDER] == list(range(len(ORDER)))
    assert method_rank('v3_tbg') == len(ORDER)
    assert label('fgi') == 'FGI (gaze + text)'
    assert label('v3_tbg') == 'v3_tbg'


def test_values_are_grouped_by_protocol_and_method_without_gaps():
    rows = [dict(method='fgi', seed='0', dice='80', hd95='nan'),
            dict(method='fgi', seed='1', dice='82', hd95='3',
                 protocol='paper'),
            dict(method='fgi', seed='2', dice='84', hd95='', val_dice='70')]
    groups = summarise(rows)
    assert sorted(groups) == [('cpu_fast', 'fgi'), ('paper', 'fgi')]
    fast = groups[('cpu_fast', 'fgi')]
    assert fast['seed'] == [0.0, 2.0] and fast['dice'] == [80.0, 84.0]
    assert fast['hd95'] == [] and fast['val_dice'] == [70.0]


def _cases(method, seed, dices):
    return [dict(method=method, seed=str(seed), protocol='cpu_fast',
                 id=f'img{i}', dice=str(d)) for i, d in enumerate(dices)]


def test_methods_without_a_shared_seed_are_not_compared():
    rows = _cases('fgi', 0, [80]) + _cases('unet_gaze', 1, [70])
    assert paired_differences(rows) == []


def test_one_image_has_no_standard_error():
    rows = _cases('fgi', 0, [80]) + _cases('unet_gaze', 0, [70])
    (d, ) = paired_differences(rows)
    assert d['mean'] == 10.0 and math.isnan(d['se'])
    assert (d['higher'], d['lower']) == (1, 0)


def test_differences_come_in_the_papers_order_then_by_name():
    rows = _cases('fgi', 0, [80])
    for method in ('zeta', 'unet_full', 'alpha', 'unet_gaze'):
        rows += _cases(method, 0, [70])
    assert [d['method'] for d in paired_differences(rows)] == [
        'unet_gaze', 'unet_full', 'alpha', 'zeta']
