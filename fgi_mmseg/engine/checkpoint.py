"""Load mmengine checkpoints under torch >= 2.6 (``weights_only=True``).

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
"""
import os.path as osp
import pickle

import torch
from mmengine.runner.checkpoint import CheckpointLoader
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
