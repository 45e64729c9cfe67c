"""``tools/train.py configs/fgi/...`` trains teacher then student, resumes."""
import json

from tests.conftest import TINY_FGI_WIDTHS, run_tool

TINY_FGI = """
_base_ = ['{repo}/configs/fgi/demo.py']
""" + TINY_FGI_WIDTHS + """_data = dict(data_root='{data_root}')
train_dataloader = dict(batch_size=2, dataset=_data)
val_dataloader = dict(dataset=_data)
test_dataloader = dict(dataset=_data)
train_cfg = dict(max_iters=4, val_interval=2)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-4, begin=0,
                        end=4, by_epoch=False)]
# The demo's teacher schedule is a stage override: shorten it too.
stages = dict(teacher=dict(train_cfg=dict(max_iters=4),
                           param_scheduler=param_scheduler))
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=3))
"""


def _config(tmp_path, data_root):
    from tests.conftest import REPO
    path = tmp_path / 'fgi_tiny.py'
    path.write_text(TINY_FGI.format(repo=REPO, data_root=data_root))
    return str(path)


def test_teacher_then_student_then_test(demo_root, tmp_path):
    config = _config(tmp_path, demo_root)
    work = tmp_path / 'work'
    out = run_tool('tools/train.py', config, '--work-dir', str(work))
    done = json.loads((work / 'teacher' / 'stage_done.json').read_text())
    assert done['best_checkpoint'].startswith(str(work / 'teacher'))
    assert (work / 'student' / 'iter_4.pth').exists()
    result = json.loads((work / 'student' / 'test_metrics.json').read_text())
    assert result['metrics']['num_images'] == 4
    assert 'FGI student, test split' in out.stdout
    log = out.stdout + out.stderr
    assert 'Loaded the teacher from ' + done['best_checkpoint'] in log

    # A finished teacher is not retrained when the run is resumed.
    again = run_tool('tools/train.py', config, '--work-dir', str(work),
                     '--resume')
    log = again.stdout + again.stderr
    assert 'teacher stage already finished' in log
    assert 'student stage already finished' in log


def test_teacher_stage_alone(demo_root, tmp_path):
    config = _config(tmp_path, demo_root)
    work = tmp_path / 'work'
    run_tool('tools/train.py', config, '--work-dir', str(work),
             '--cfg-options', 'stage=teacher')
    assert (work / 'teacher' / 'stage_done.json').exists()
    assert not (work / 'student').exists()


def test_a_study_run_trains_both_stages_but_never_tests(demo_root, tmp_path):
    config = _config(tmp_path, demo_root)
    work = tmp_path / 'work'
    out = run_tool('tools/train.py', config, '--work-dir', str(work),
                   '--cfg-options', 'test_student=False')
    assert (work / 'student' / 'stage_done.json').exists()
    assert not (work / 'student' / 'test_metrics.json').exists()
    assert not (work / 'student_test').exists()
    assert 'test split' not in out.stdout


def test_a_misspelt_runner_key_is_refused_with_a_suggestion(demo_root,
                                                            tmp_path):
    config = _config(tmp_path, demo_root)
    out = run_tool('tools/train.py', config, '--work-dir',
                   str(tmp_path / 'work'), '--cfg-options', 'stagee=teacher',
                   check=False)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1].startswith(
        'error: config key "stagee" is not read by TwoStageRunner; did you '
        'mean "stage"?')
    assert 'Traceback' not in out.stderr
    assert not (tmp_path / 'work' / 'teacher').exists()
