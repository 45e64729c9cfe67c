"""tools/analysis/speed_loop.py: which loops it can time."""
from tests.conftest import run_tool


def test_refuses_a_stage_of_a_one_network_config():
    proc = run_tool('tools/analysis/speed_loop.py',
                    'configs/benchmark/kvasir/unet_gaze.py', '--stage',
                    'teacher', check=False)
    assert proc.returncode != 0
    assert 'unet_gaze.py: --stage teacher is for two-stage configs' in \
        proc.stderr


def test_a_two_stage_config_needs_its_stage():
    proc = run_tool('tools/analysis/speed_loop.py',
                    'configs/benchmark/kvasir/fgi.py', check=False)
    assert proc.returncode != 0
    assert 'fgi.py: --stage teacher is for two-stage configs, and they ' \
        'need it' in proc.stderr
