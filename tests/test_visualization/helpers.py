import hashlib

import numpy as np


def digest(array: np.ndarray) -> str:
    """Shape and SHA-256 of an array's bytes: equal digests, equal
    pixels."""
    return f'{array.shape} ' + hashlib.sha256(
        np.ascontiguousarray(array).tobytes()).hexdigest()
