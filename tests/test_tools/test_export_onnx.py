"""``tools/export_onnx.py``: the deployable network (no teacher, no text)
gives PyTorch's logits under onnxruntime."""
import json
import re

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from fgi_mmseg.apis import init_model
from tests.conftest import load_tool, run_tool
from tests.test_apis.helpers import (save_checkpoint, tiny_fgi_config,
                                     tiny_unet_config)

ATOL = 1e-4


@pytest.fixture(scope='module')
def export_tool():
    return load_tool('tools/export_onnx.py')


def torch_logits(model, inputs):
    """The segmentor's own whole-image logits at the input size."""
    metas = [dict(img_shape=inputs.shape[2:], ori_shape=inputs.shape[2:])
             ] * len(inputs)
    with torch.no_grad():
        return model.encode_decode(inputs, metas).numpy()


def onnx_max_abs_diff(onnx_file, model, shape, seed=0):
    inputs = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
    session = ort.InferenceSession(
        str(onnx_file), providers=['CPUExecutionProvider'])
    (logits, ) = session.run(None, {'input': inputs.numpy()})
    expected = torch_logits(model, inputs)
    assert logits.shape == expected.shape == (shape[0], 2, *shape[2:])
    return float(np.abs(logits - expected).max())


def test_export_fgi_student(tmp_path):
    config = tiny_fgi_config(tmp_path)
    state_dict = save_checkpoint(config, tmp_path / 'fgi.pth')
    assert any(key.startswith('teacher.') for key in state_dict)
    out = tmp_path / 'onnx' / 'student.onnx'
    proc = run_tool('tools/export_onnx.py', '--config', config,
                    '--checkpoint', str(tmp_path / 'fgi.pth'), '--out',
                    str(out))
    reported = float(
        re.search(r'max abs difference (\S+)', proc.stdout).group(1))
    assert reported <= ATOL

    proto = onnx.load(str(out))
    # One input, the image: no text, no teacher.
    assert [i.name for i in proto.graph.input] == ['input']
    assert [o.name for o in proto.graph.output] == ['logits']
    dims = [d.dim_value for d in
            proto.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 64, 64]  # the demo's test resize
    meta = {p.key: json.loads(p.value) for p in proto.metadata_props}
    assert meta['bgr_to_rgb'] is True
    assert meta['mean'] == pytest.approx([123.675, 116.28, 103.53])
    model = init_model(config, str(tmp_path / 'fgi.pth'))
    assert onnx_max_abs_diff(out, model, (1, 3, 64, 64)) <= ATOL


def test_export_unet_dynamic(tmp_path, export_tool, capsys):
    config = tiny_unet_config(tmp_path)
    save_checkpoint(config, tmp_path / 'unet.pth')
    out = tmp_path / 'unet.onnx'
    code = export_tool.main([
        '--config', config, '--checkpoint',
        str(tmp_path / 'unet.pth'), '--out',
        str(out), '--size', '32', '48', '--dynamic', '--opset', '17'
    ])
    assert code == 0
    assert 'max abs difference' in capsys.readouterr().out
    proto = onnx.load(str(out))
    assert len(proto.graph.input) == 1
    assert proto.opset_import[0].version == 17
    model = init_model(config, str(tmp_path / 'unet.pth'))
    for shape in ((1, 3, 32, 48), (3, 3, 64, 80)):
        assert onnx_max_abs_diff(out, model, shape) <= ATOL


def test_export_fails_on_a_mismatch(tmp_path, export_tool, monkeypatch,
                                    capsys):
    config = tiny_unet_config(tmp_path)
    save_checkpoint(config, tmp_path / 'unet.pth')
    monkeypatch.setattr(export_tool, 'max_abs_difference',
                        lambda *args: 1e-3)
    code = export_tool.main([
        '--config', config, '--checkpoint',
        str(tmp_path / 'unet.pth'), '--out',
        str(tmp_path / 'unet.onnx')
    ])
    assert code == 1
    assert 'FAILED' in capsys.readouterr().err
