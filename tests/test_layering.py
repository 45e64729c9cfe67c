"""The packages of fgi_mmseg import downward only.

utils <- models, datasets, gaze, text, visualization <- engine,
evaluation <- apis, nnunet: a module may import its own layer and those below it,
never one above (imports inside functions count too), so that no layer
depends on one built on top of it and no import cycle runs between
packages.
"""
import ast
from pathlib import Path
from typing import Iterator, Tuple

PACKAGE = Path(__file__).resolve().parents[1] / 'fgi_mmseg'
LAYERS = dict(
    utils=0, version=0,
    models=1, datasets=1, gaze=1, text=1, visualization=1,
    engine=2, evaluation=2,
    apis=3, nnunet=3)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def _imported(path: Path) -> Iterator[Tuple[int, str]]:
    """``(line, absolute module name)`` of every import in ``path``; for
    ``from fgi_mmseg import x``, the module is ``fgi_mmseg.x``."""
    package = _module_name(path)
    if path.name != '__init__.py':
        package = package.rpartition('.')[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ''
            if node.level:
                base = package.split('.')[:len(package.split('.')) -
                                           node.level + 1]
                module = '.'.join(base + ([module] if module else []))
            if module == 'fgi_mmseg':
                for alias in node.names:
                    yield node.lineno, f'fgi_mmseg.{alias.name}'
            else:
                yield node.lineno, module


def _layer_violations() -> list:
    found = []
    for path in sorted(PACKAGE.rglob('*.py')):
        parts = path.relative_to(PACKAGE).with_suffix('').parts
        if parts == ('__init__', ):
            continue  # the package registers every layer
        own = parts[0]
        assert own in LAYERS, f'{path}: package "{own}" has no layer in ' \
            'tests/test_layering.py'
        for line, module in _imported(path):
            top = module.split('.')
            if top[0] != 'fgi_mmseg' or len(top) < 2:
                continue
            assert top[1] in LAYERS, f'{path}:{line}: imports {module}, ' \
                'whose package has no layer'
            if LAYERS[top[1]] > LAYERS[own]:
                found.append(f'{path.relative_to(PACKAGE.parent)}:{line}: '
                             f'{own} (layer {LAYERS[own]}) imports {module} '
                             f'(layer {LAYERS[top[1]]})')
    return found


def test_no_module_imports_a_higher_layer():
    assert _layer_violations() == []


def test_relative_imports_resolve_to_their_package():
    runner = PACKAGE / 'engine' / 'runners' / 'two_stage_runner.py'
    modules = {module for _, module in _imported(runner)}
    assert 'fgi_mmseg.engine.config_derivation' in modules
    root = {module for _, module in _imported(PACKAGE / '__init__.py')}
    assert {'fgi_mmseg.engine', 'fgi_mmseg.models'} <= root
