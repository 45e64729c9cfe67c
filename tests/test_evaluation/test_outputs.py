"""``record_test`` writes ``test_metrics.json`` for tools/test.py and the
two-stage runner alike; ``keep_per_image`` asks the metric for its CSV."""
import json
from types import SimpleNamespace

from mmengine.config import Config

from fgi_mmseg.evaluation.outputs import (keep_per_image, metrics_file,
                                          per_image_file, record_test)

METRICS = {'Dice': 80.0, 'Dice_std': 1.5, 'num_images': 4}


def _runner(rank: int = 0):
    return SimpleNamespace(rank=rank, test=lambda: dict(METRICS))


def test_record_names_the_config_first_when_given(tmp_path, capsys):
    path = metrics_file(str(tmp_path / 'test'))
    assert path == str(tmp_path / 'test' / 'test_metrics.json')
    assert record_test(_runner(), path, 'best.pth', 'Test metrics: c.py',
                       config='c.py') == METRICS
    text = (tmp_path / 'test' / 'test_metrics.json').read_text()
    assert list(json.loads(text)) == ['config', 'checkpoint', 'metrics']
    assert json.loads(text)['metrics'] == METRICS
    assert 'Test metrics: c.py' in capsys.readouterr().out

    record_test(_runner(), path, 'student.pth', 'FGI student, test split')
    assert json.loads(open(path).read()) == dict(checkpoint='student.pth',
                                                 metrics=METRICS)
    assert not list((tmp_path / 'test').glob('.*.tmp'))


def test_only_rank_zero_records(tmp_path, capsys):
    path = metrics_file(str(tmp_path))
    assert record_test(_runner(rank=1), path, 'c.pth', 'title') == METRICS
    assert not (tmp_path / 'test_metrics.json').exists()
    assert capsys.readouterr().out == ''


def test_keep_per_image_sets_the_evaluators_file(tmp_path):
    cfg = Config(dict(test_evaluator=dict(type='MedicalSegMetric')))
    keep_per_image(cfg, str(tmp_path))
    assert cfg.test_evaluator.output_file == per_image_file(str(tmp_path))
    assert per_image_file(str(tmp_path)).endswith('/per_image.csv')
