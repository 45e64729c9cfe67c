"""Export the deployable network to ONNX and check it with onnxruntime.

    python tools/export_onnx.py --config configs/fgi/kvasir.py \\
        --checkpoint work_dirs/kvasir/student/best_mDice_iter_15000.pth \\
        --out fgi_student.onnx [--size 224 224] [--opset 17] [--dynamic]

For FGI the network is the student alone (no teacher, no text). The graph
maps a normalised B x 3 x H x W image (the config's data preprocessor:
BGR -> RGB, ``(x - mean) / std``; the values are stored in the model's
metadata) to B x num_classes x H x W logits. The export is checked against
PyTorch on a random input: exit code 1 if the outputs differ by more than
``--atol``.
"""
import argparse
import io
import json
import os.path as osp
import sys
import warnings
from pathlib import Path
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmseg.models import BaseSegmentor
from mmseg.models.utils import resize

from fgi_mmseg.apis import inference_pipeline_config, init_model
from fgi_mmseg.utils.cli import run_tool
from fgi_mmseg.utils.io import atomic_write


class LogitsModel(nn.Module):
    """Normalised images -> logits at the input size (``whole`` mode).

    Args:
        segmentor (BaseSegmentor): An encoder-decoder in eval mode.
    """

    def __init__(self, segmentor: BaseSegmentor) -> None:
        super().__init__()
        mode = segmentor.test_cfg.get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(f'only test_cfg.mode="whole" can be exported, '
                             f'got "{mode}"')
        self.segmentor = segmentor

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        logits = self.segmentor._forward(inputs)
        return resize(
            logits,
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=self.segmentor.decode_head.align_corners)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the deployable network to ONNX')
    parser.add_argument('--config', required=True, help='config file')
    parser.add_argument('--checkpoint', required=True, help='checkpoint')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input size (default: the test pipeline\'s resize, or the '
        'data preprocessor\'s size)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument(
        '--dynamic',
        action='store_true',
        help='dynamic batch size, height and width')
    parser.add_argument(
        '--atol',
        type=float,
        default=1e-4,
        help='largest accepted |onnxruntime - PyTorch| on the logits')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    return parser.parse_args(argv)


def default_size(cfg: Config) -> Tuple[int, int]:
    """The network's input size (H, W) from the config.

    Args:
        cfg (Config): The deploy config (``model.cfg``).

    Returns:
        tuple[int, int]: Height and width.
    """
    for transform in inference_pipeline_config(cfg):
        if transform['type'] == 'Resize' and \
                not transform.get('keep_ratio', False):
            scale = transform['scale']
            if isinstance(scale, int):
                return scale, scale
            return int(scale[1]), int(scale[0])  # mmcv scales are (w, h)
    size = cfg.model.get('data_preprocessor', {}).get('size')
    if size:
        return int(size[0]), int(size[1])
    raise ValueError('cannot infer the input size from the config: '
                     'pass --size H W')


def preprocessing_metadata(model: BaseSegmentor,
                           size: Tuple[int, int]) -> dict:
    """What a deployment must do to an image before the graph."""
    preprocessor = model.data_preprocessor
    meta = dict(
        input_size=list(size),
        bgr_to_rgb=bool(getattr(preprocessor, 'channel_conversion', False)))
    if getattr(preprocessor, '_enable_normalize', False):
        for key in ('mean', 'std'):
            values = getattr(preprocessor, key).flatten().tolist()
            meta[key] = [float(f'{v:.6g}') for v in values]  # float32 noise
    meta['classes'] = list(model.dataset_meta.get('classes', ()))
    return meta


def export(network: nn.Module, example: torch.Tensor, opset: int,
           dynamic: bool, metadata: dict) -> bytes:
    """The serialised ONNX model of ``network`` (one input: ``input``)."""
    import onnx
    buffer = io.BytesIO()
    axes = {0: 'batch', 2: 'height', 3: 'width'}
    with warnings.catch_warnings():
        # The TorchScript exporter is chosen on purpose (no onnxscript
        # needed); UNetEncoder's input-size check traces as a constant.
        warnings.filterwarnings(
            'ignore', 'You are using the legacy TorchScript',
            DeprecationWarning)
        warnings.filterwarnings(
            'ignore',
            category=torch.jit.TracerWarning,
            module=r'fgi_mmseg\.models\.backbones\.unet_encoder')
        torch.onnx.export(
            network, (example, ),
            buffer,
            input_names=['input'],
            output_names=['logits'],
            opset_version=opset,
            dynamic_axes=dict(input=axes, logits=axes) if dynamic else None,
            do_constant_folding=True,
            dynamo=False)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto)
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)
    return proto.SerializeToString()


def max_abs_difference(network: nn.Module, onnx_file: str,
                       inputs: torch.Tensor) -> float:
    """Largest |onnxruntime - PyTorch| on the logits of ``inputs``."""
    import onnxruntime as ort
    session = ort.InferenceSession(
        onnx_file, providers=['CPUExecutionProvider'])
    (onnx_logits, ) = session.run(['logits'], {'input': inputs.numpy()})
    with torch.no_grad():
        torch_logits = network(inputs).numpy()
    if onnx_logits.shape != torch_logits.shape:
        raise RuntimeError(f'ONNX logits have shape {onnx_logits.shape}, '
                           f'PyTorch {torch_logits.shape}')
    return float(np.abs(onnx_logits - torch_logits).max())


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    model = init_model(args.config, args.checkpoint, device='cpu',
                       cfg_options=args.cfg_options)
    size = tuple(args.size) if args.size else default_size(model.cfg)
    network = LogitsModel(model).eval()
    generator = torch.Generator().manual_seed(0)
    example = torch.randn(1, 3, *size, generator=generator)
    metadata = preprocessing_metadata(model, size)
    content = export(network, example, args.opset, args.dynamic, metadata)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, lambda f: f.write(content))
    print(f'Exported {type(model).__name__} ({size[0]} x {size[1]}, '
          f'opset {args.opset}{", dynamic" if args.dynamic else ""}) to '
          f'{osp.abspath(args.out)}')
    print(f'Preprocessing: {json.dumps(metadata)}')

    # A batch of 2 also checks the dynamic batch axis.
    check = torch.randn(2 if args.dynamic else 1, 3, *size,
                        generator=generator)
    diff = max_abs_difference(network, args.out, check)
    print(f'onnxruntime vs PyTorch: max abs difference {diff:.3g} '
          f'(tolerance {args.atol:g})')
    if not diff <= args.atol:
        print('ONNX check FAILED', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    run_tool(main)
