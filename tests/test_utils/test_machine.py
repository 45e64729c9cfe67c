"""fgi_mmseg.utils.machine: the machine a results row names."""
import re

from fgi_mmseg.utils.machine import cpu_description, machine_description

INTEL = '''processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R)   Platinum 8480+
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile

processor\t: 1
model name\t: another block, not read
'''


def _cpuinfo(tmp_path, text):
    path = tmp_path / 'cpuinfo'
    path.write_text(text)
    return str(path)


def test_the_cpu_is_named_with_its_model_and_bf16_kernels(tmp_path):
    assert cpu_description(_cpuinfo(tmp_path, INTEL), cpus=2) == (
        'Intel(R) Xeon(R) Platinum 8480+ (6/143), 2 CPUs, '
        'amx_bf16 avx512_bf16')


def test_without_amx_the_best_avx_level_is_named(tmp_path):
    amd = INTEL.replace('amx_bf16 amx_tile', '').replace(
        'Intel(R) Xeon(R)   Platinum 8480+', 'AMD EPYC 9R14')
    assert cpu_description(_cpuinfo(tmp_path, amd), cpus=2).endswith(
        '(6/143), 2 CPUs, avx512_bf16')
    old = INTEL.replace('avx512f avx512_bf16 amx_bf16 amx_tile', '')
    assert cpu_description(_cpuinfo(tmp_path, old), cpus=4).endswith(
        '4 CPUs, avx2')
    bare = INTEL.replace('avx2 avx512f avx512_bf16 amx_bf16 amx_tile', '')
    assert cpu_description(_cpuinfo(tmp_path, bare), cpus=1).endswith(
        '1 CPU, no avx2')


def test_a_system_without_cpuinfo_still_gets_a_line(tmp_path):
    line = cpu_description(str(tmp_path / 'absent'), cpus=2)
    assert line and line.endswith('2 CPUs, no avx2')


def test_this_machine_is_described_in_one_line():
    line = machine_description()
    assert '\n' not in line and re.search(r', \d+ CPUs?, ', line)


def test_native_bf16_follows_onednn_on_the_cpu():
    import torch

    from fgi_mmseg.utils.machine import has_native_bf16
    assert has_native_bf16('cpu') == \
        torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert has_native_bf16('cuda') == (torch.cuda.is_available() and
                                       torch.cuda.is_bf16_supported())
    assert not has_native_bf16('meta')
