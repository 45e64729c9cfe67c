"""Checks of the ``--cfg-options`` overrides that the tools merge."""
import difflib
from typing import Mapping, Optional

from mmengine.config import Config

from .errors import UserFacingError

# How close a new key must be to an existing one to be taken for its typo.
NEAR_MISS_CUTOFF = 0.8


class ConfigKeyError(UserFacingError, ValueError):
    """A ``--cfg-options`` key looks like a typo of an existing key."""


def check_override_keys(cfg: Mapping, cfg_options: Mapping) -> None:
    """Refuse ``--cfg-options`` keys that nearly match an existing key.

    mmengine adds any key it is given, so ``train_cfg.max_iter=5`` (for
    ``max_iters``) adds a key that no one reads, or that fails deep inside
    a constructor. A key that is not in the config is still accepted when
    nothing there is close to it (options the config does not spell out,
    such as a metric's ``output_file``), and so are top-level keys of one
    part (``stage=teacher``, which runners read and check themselves).

    Raises:
        ConfigKeyError: Naming the option, the key and the close match.
    """
    if isinstance(cfg, Config):
        cfg = cfg.to_dict()
    for option in cfg_options:
        parts = option.split('.')
        node = cfg
        for depth, part in enumerate(parts):
            if isinstance(node, (list, tuple)) and part.isdigit():
                node = node[int(part)] if int(part) < len(node) else None
                continue
            if not isinstance(node, Mapping):
                break
            if part in node:
                node = node[part]
                continue
            if len(parts) > 1:
                close = difflib.get_close_matches(
                    part, [str(k) for k in node], n=1,
                    cutoff=NEAR_MISS_CUTOFF)
                if close:
                    where = '.'.join(parts[:depth]) or 'the config'
                    raise ConfigKeyError(
                        f'--cfg-options {option}: {where} has no key '
                        f'"{part}"; did you mean "{close[0]}"?')
            break



def load_config(path: str, cfg_options: Optional[Mapping] = None) -> Config:
    """Read the config ``path`` and merge a tool's ``--cfg-options`` into
    it, after :func:`check_override_keys` has checked them."""
    cfg = Config.fromfile(path)
    if cfg_options:
        check_override_keys(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg
