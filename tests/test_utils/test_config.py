"""--cfg-options keys that look like typos are refused."""
import pytest
from mmengine.config import Config

from fgi_mmseg.utils.config import ConfigKeyError, check_override_keys
from tests.conftest import REPO, run_tool

CFG = Config(dict(
    train_cfg=dict(type='IterBasedTrainLoop', max_iters=10),
    param_scheduler=[dict(type='LinearLR', end=5)],
    test_evaluator=dict(type='MedicalSegMetric'),
    stages=dict(teacher=dict())))


@pytest.mark.parametrize('option, where, wrong, close', [
    ('train_cfg.max_iter', 'train_cfg', 'max_iter', 'max_iters'),
    ('train_cfgg.max_iters', 'the config', 'train_cfgg', 'train_cfg'),
    ('param_scheduler.0.ends', 'param_scheduler.0', 'ends', 'end'),
])
def test_a_near_miss_of_an_existing_key_is_refused(option, where, wrong,
                                                  close):
    with pytest.raises(ConfigKeyError) as err:
        check_override_keys(CFG, {option: 1})
    assert str(err.value) == (f'--cfg-options {option}: {where} has no key '
                              f'"{wrong}"; did you mean "{close}"?')


def test_new_keys_far_from_any_existing_key_are_accepted():
    check_override_keys(CFG, {
        'train_cfg.max_iters': 5,  # existing
        'test_evaluator.output_file': 'cases.csv',  # new, nothing close
        'stage': 'teacher',  # top level: the runner checks its own keys
        'param_scheduler.3.end': 1,  # beyond the list: mmengine's to judge
    })


def test_train_refuses_a_mistyped_option_in_one_line():
    proc = run_tool('tools/train.py', str(REPO / 'configs/fgi/demo.py'),
                    '--cfg-options', 'train_cfg.max_iter=5', check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip() == (
        'error: --cfg-options train_cfg.max_iter: train_cfg has no key '
        '"max_iter"; did you mean "max_iters"? (--debug shows the '
        'traceback)')
