"""Load mmengine checkpoints under torch >= 2.6 (``weights_only=True``), and
a deployed student's weights strictly.

torch 2.6 made ``torch.load`` refuse pickled globals it does not know, and
mmengine 0.10.7 writes its ``MessageHub`` into every checkpoint: a
``HistoryBuffer`` whose state holds numpy arrays and bound methods (pickled
through ``getattr``). ``--resume``, ``tools/test.py`` and ``load_from`` all
fail on such files.

The local-file loader registered here first loads with ``weights_only=True``
(plain weight files). If that is refused, it inspects the pickle's globals
without executing anything, and unpickles fully only when every global is
one that mmengine's own checkpoints use; any other global is reported and
refused. Checkpoints are still pickles: load only files you trust.

:func:`load_student_weights` loads a deployed network strictly, without the
entries of an FGI checkpoint that only training uses (the teacher, the AFC
projections), for :func:`~fgi_mmseg.engine.deploy.init_model`.
"""
import glob
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.runner.checkpoint import CheckpointLoader, load_state_dict
from torch.serialization import get_unsafe_globals_in_checkpoint

# Globals an mmengine 0.10.x training checkpoint holds besides tensors.
MMENGINE_CHECKPOINT_GLOBALS = frozenset({
    'mmengine.logging.history_buffer.HistoryBuffer',
    'builtins.getattr',
    'builtins.bytes',
    '_codecs.encode',
    'numpy.ndarray',
    'numpy.dtype',
    'numpy.core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray._reconstruct',
    'numpy._core.multiarray.scalar',
    'collections.OrderedDict',
})
# Checkpoint entries of a DistillEncoderDecoder that only training uses.
DISTILL_ONLY_PREFIXES = ('teacher.', 'afc_projections.')


def load_from_local_safe(filename: str, map_location=None) -> dict:
    """Load a local checkpoint written by torch or mmengine.

    Args:
        filename (str): Path of the checkpoint.
        map_location: As in :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        pickle.UnpicklingError: The file holds globals that mmengine
            checkpoints never contain (named in the message).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint "{filename}" not found')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError:
        unexpected = {
            name for name in get_unsafe_globals_in_checkpoint(filename)
            if name not in MMENGINE_CHECKPOINT_GLOBALS
            and not name.startswith('numpy.dtypes.')
        }
        if unexpected:
            raise pickle.UnpicklingError(
                f'checkpoint "{filename}" holds globals that mmengine '
                f'checkpoints never contain: {sorted(unexpected)}; refusing '
                'to unpickle it') from None
    return torch.load(filename, map_location=map_location, weights_only=False)


# Replaces mmengine's loader for plain paths (prefix '').
CheckpointLoader.register_scheme(prefixes='', force=True)(
    load_from_local_safe)


def load_student_weights(model: nn.Module, checkpoint: str,
                         ignore_prefixes: Sequence[str] = ()) -> dict:
    """Load ``checkpoint`` into ``model`` strictly.

    Args:
        model (nn.Module): The network.
        checkpoint (str): A checkpoint or plain state dict file.
        ignore_prefixes (Sequence[str]): Keys starting with one of these
            are dropped first (e.g. the teacher of an FGI checkpoint).

    Returns:
        dict: The checkpoint's ``meta`` (empty for a plain state dict).

    Raises:
        RuntimeError: Keys are missing or unexpected, or shapes differ.
    """
    ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    state_dict = ckpt.get('state_dict', ckpt)
    state_dict = {
        re.sub(r'^module\.', '', key): value
        for key, value in state_dict.items()
    }
    state_dict = {
        key: value
        for key, value in state_dict.items()
        if not key.startswith(tuple(ignore_prefixes))
    }
    try:
        load_state_dict(model, state_dict, strict=True)
    except RuntimeError as error:
        raise RuntimeError(
            f'checkpoint "{checkpoint}" does not match the model of the '
            f'config: {error}') from None
    meta = ckpt.get('meta', {})
    return meta if isinstance(meta, dict) else {}


def _complete(path: str) -> bool:
    """Whether a torch zip checkpoint is whole (its central directory, at
    the end of the file, reads and lists the pickle)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith('data.pkl') for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` should continue from, or None.

    ``last_checkpoint`` names it when that file is complete; otherwise (a
    run killed while writing it, by an older mmengine that truncated files
    in place and had already removed its predecessor) the newest complete
    ``iter_<n>.pth`` / ``epoch_<n>.pth`` in ``work_dir`` is taken.
    """
    candidates = []
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            named = f.read().strip()
        if named:
            candidates.append(named)
    numbered = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = re.fullmatch(r'(?:iter|epoch)_(\d+)\.pth', osp.basename(path))
        if match:
            numbered.append((int(match.group(1)), path))
    candidates += [path for _, path in sorted(numbered, reverse=True)]
    for path in candidates:
        if osp.isfile(path) and _complete(path):
            return path
    return None


def resolve_resume(cfg) -> None:
    """Point ``cfg.load_from`` at the newest complete checkpoint of
    ``cfg.work_dir`` when ``cfg.resume`` is set and nothing is named, and
    sweep the temporary files of checkpoint writes a kill interrupted (one
    run owns its work dir, so none of them is still being written)."""
    if not cfg.get('resume'):
        return
    for pattern in ('.*.pth.*.tmp', '.last_checkpoint.*.tmp'):
        for path in glob.glob(osp.join(cfg.work_dir, pattern)):
            os.remove(path)
    if not cfg.get('load_from'):
        found = latest_complete_checkpoint(cfg.work_dir)
        if found:
            cfg.load_from = found
