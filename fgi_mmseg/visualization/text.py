"""Lines of text on tiles, in OpenCV's Hershey font (ASCII only)."""
from typing import List, Tuple

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


def ascii_text(text: str) -> str:
    """What OpenCV's Hershey fonts can draw: printable ASCII only."""
    return ''.join(c if 32 <= ord(c) < 127 else '?' for c in text)


def text_size(text: str, scale: float, thickness: int) -> Tuple[int, int]:
    """Width and height (ascent plus descent) of one line of text."""
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    return width, height + baseline


def font_for(tile_height: int) -> Tuple[float, int]:
    """Font scale and thickness that suit tiles ``tile_height`` px high."""
    scale = max(0.35, 0.55 * tile_height / 256)
    return scale, max(1, int(round(scale * 1.6)))


def wrap_text(text: str, width: int, scale: float,
              thickness: int) -> List[str]:
    """Greedy word wrap of ``text`` to lines at most ``width`` px wide.

    A single word wider than ``width`` is broken across lines.

    Args:
        text: The text (non-ASCII characters are drawn as ``?``).
        width: Available width in pixels.
        scale: Font scale.
        thickness: Font thickness.

    Returns:
        The lines, at least one.
    """
    words = ascii_text(text).split()
    lines: List[str] = []
    line = ''
    for word in words:
        candidate = f'{line} {word}' if line else word
        if text_size(candidate, scale, thickness)[0] <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        # Break a word that does not fit on a line of its own.
        while text_size(word, scale, thickness)[0] > width and \
                len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and \
                    text_size(word[:cut], scale, thickness)[0] > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def put_centred(canvas: np.ndarray, text: str, scale: float,
                thickness: int, colour: Tuple[int, int, int]) -> None:
    """Draw one line of text in the middle of ``canvas``, shrunk (then
    shortened with '...') to fit its width."""
    height, width = canvas.shape[:2]
    text = ascii_text(text)
    while text_size(text, scale, thickness)[0] > width - 4 and scale > 0.3:
        scale *= 0.9
    while text_size(text, scale, thickness)[0] > width - 4 and \
            len(text) > 3:
        text = text[:-4] + '...'
    text_w, text_h = text_size(text, scale, thickness)
    _, baseline = cv2.getTextSize(text, FONT, scale, thickness)
    org = ((width - text_w) // 2, (height + text_h) // 2 - baseline)
    cv2.putText(canvas, text, org, FONT, scale, colour, thickness,
                cv2.LINE_AA)
