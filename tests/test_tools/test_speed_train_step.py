"""tools/analysis/speed_train_step.py: variants per allocator, one table."""
import re

from tests.conftest import load_tool, run_tool


def test_each_precision_runs_with_its_protocols_allocator():
    tool = load_tool('tools/analysis/speed_train_step.py')
    assert tool.allocator_of('cpu_fast', 'protocol') == 'retain'
    assert tool.allocator_of('fp32', 'protocol') == 'glibc'
    assert tool.allocator_of('bf16+cl', 'protocol') == 'glibc'
    assert tool.allocator_of('cpu_fast', 'glibc') == 'glibc'
    assert tool.allocator_of('fp32', 'retain') == 'retain'


def test_two_allocator_workers_fill_one_table():
    out = run_tool('tools/analysis/speed_train_step.py', '--methods',
                   'unet_gaze', '--size', '32', '--batch', '2', '--rounds',
                   '2', '--warmup', '1', '--no-darm', '--threads', '1').stdout
    assert 'allocator: fp32 glibc, cpu_fast retain' in out
    row = next(line for line in out.splitlines()
               if line.strip().startswith('unet_gaze'))
    assert re.fullmatch(r'\s*unet_gaze\s+[\d.]+ \[.*\]\s+[\d.]+ \[.*\]\s+'
                        r'[\d.]+x', row), row
