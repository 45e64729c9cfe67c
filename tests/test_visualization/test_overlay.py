"""``draw_overlay`` draws, pixel for pixel, the overlays ``tools/infer.py``
drew before it moved to :mod:`fgi_mmseg.visualization` (digests taken
then), and leaves its input alone."""
import numpy as np

from fgi_mmseg.visualization import draw_overlay
from tests.test_visualization.helpers import digest


def test_draw_overlay_is_unchanged():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (420, 500, 3), dtype=np.uint8)
    mask = np.zeros((420, 500), np.uint8)
    mask[50:300, 80:400] = 1
    mask[320:400, 20:60] = 1
    before = image.copy()
    # Rounded blend at opacity 0.3 and a contour 2 px thick (420 px high).
    assert digest(draw_overlay(image, mask, 0.3)) == (
        '(420, 500, 3) 8a92a4aa79f833fbafa48280da06bc1a401bc0888677f3b06ad69'
        '39bd5eaa927')
    assert (image == before).all()
