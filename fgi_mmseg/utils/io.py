"""Small file helpers."""
import json
import os
import os.path as osp
import tempfile


def write_json_atomic(path: str, data: dict) -> None:
    """Write ``data`` as JSON so that readers never see a partial file.

    The JSON goes to a temporary file in the same folder, which then
    replaces ``path`` in one rename.

    Args:
        path (str): Destination file; its folder is created if needed.
        data (dict): JSON-serialisable content.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
