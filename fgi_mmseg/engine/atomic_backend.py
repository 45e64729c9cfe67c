"""Atomic local writes for everything mmengine saves (checkpoints first).

mmengine's ``LocalBackend.put`` opens the destination and writes into it,
so a kill during a checkpoint write leaves a truncated ``iter_N.pth`` under
its final name. :class:`AtomicLocalBackend` writes through a temporary file
in the same folder (fsync, then rename), so a file under its final name is
always complete. It replaces mmengine's backend for local paths when
``fgi_mmseg`` is imported.
"""
from pathlib import Path
from typing import Union

import mmengine
import mmengine.fileio.io as fileio_io
from mmengine.fileio.backends import LocalBackend, register_backend

from fgi_mmseg.utils.io import atomic_write


class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` with atomic ``put``/``put_text``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        mmengine.mkdir_or_exist(Path(filepath).parent)
        atomic_write(filepath, lambda f: f.write(obj))

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)


# Local paths have the empty prefix; instances made before this import
# (mmengine caches one per prefix) are dropped.
register_backend('local', AtomicLocalBackend, force=True, prefixes='')
fileio_io.backend_instances = {
    key: value for key, value in fileio_io.backend_instances.items()
    if not isinstance(value, LocalBackend) or
    isinstance(value, AtomicLocalBackend)
}
