"""``tools/infer.py``: masks and overlays at the original size, resumable."""
import os

import cv2
import numpy as np
import pytest

from fgi_mmseg.apis import inference_model, init_model
from tests.conftest import load_tool, run_tool, shared_data
from tests.test_apis.helpers import (save_checkpoint, tiny_fgi_config,
                                     write_images)

SIZES = [(90, 70), (64, 64), (48, 120)]


@pytest.fixture(scope='module')
def infer_tool():
    return load_tool('tools/infer.py')


@pytest.fixture(scope='module')
def fgi(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('fgi')
    config = tiny_fgi_config(tmp_path)
    save_checkpoint(config, tmp_path / 'fgi.pth')
    return config, str(tmp_path / 'fgi.pth')


def infer_args(config, checkpoint, out, *sources):
    return [*map(str, sources), '--config', config, '--checkpoint',
            checkpoint, '--out', str(out)]


def assert_outputs(out, stem, size):
    mask = cv2.imread(str(out / 'masks' / f'{stem}.png'),
                      cv2.IMREAD_UNCHANGED)
    assert mask is not None and mask.shape == size
    assert set(np.unique(mask).tolist()) <= {0, 255}
    overlay = cv2.imread(str(out / 'overlays' / f'{stem}.jpg'))
    assert overlay is not None and overlay.shape == (*size, 3)
    return mask


def test_infer_writes_masks_and_overlays_and_resumes(fgi, tmp_path):
    config, checkpoint = fgi
    images = write_images(tmp_path / 'images', SIZES)
    out = tmp_path / 'out'
    args = infer_args(config, checkpoint, out, tmp_path / 'images')
    run_tool('tools/infer.py', *args, '--batch-size', '2')
    model = init_model(config, checkpoint)
    for path, size in zip(images, SIZES):
        mask = assert_outputs(out, path.stem, size)
        expected = inference_model(model, str(path)).pred_sem_seg.data[0]
        np.testing.assert_array_equal(mask, expected.numpy() * 255)
    assert sorted(os.listdir(out / 'masks')) == [
        'img0.png', 'img1.png', 'img2.png'
    ]  # no temporary files left

    # A killed run: one overlay missing. The rerun redoes that image only.
    (out / 'overlays' / 'img1.jpg').unlink()
    kept = (out / 'masks' / 'img0.png').stat().st_mtime_ns
    rerun = run_tool('tools/infer.py', *args)
    assert 'Skipping 2 of 3 images' in rerun.stdout
    assert 'Wrote 1 masks' in rerun.stdout
    assert_outputs(out, 'img1', SIZES[1])
    assert (out / 'masks' / 'img0.png').stat().st_mtime_ns == kept


def test_infer_skips_finished_images_unless_forced(fgi, infer_tool,
                                                   tmp_path, capsys):
    config, checkpoint = fgi
    (image, ) = write_images(tmp_path / 'images', SIZES[:1], '.jpg')
    out = tmp_path / 'out'
    args = infer_args(config, checkpoint, out, image)
    assert infer_tool.main(args) == 0
    assert_outputs(out, 'img0', SIZES[0])
    mtime = (out / 'overlays' / 'img0.jpg').stat().st_mtime_ns
    assert infer_tool.main(args) == 0
    assert 'Skipping 1 of 1 images' in capsys.readouterr().out
    assert (out / 'overlays' / 'img0.jpg').stat().st_mtime_ns == mtime
    assert infer_tool.main([*args, '--force', '--opacity', '1']) == 0
    assert 'Wrote 1 masks' in capsys.readouterr().out


def test_infer_names_an_unreadable_image(fgi, infer_tool, tmp_path, capsys):
    config, checkpoint = fgi
    (good, ) = write_images(tmp_path, SIZES[:1])
    bad = tmp_path / 'a_broken.png'  # sorted first, in the same batch
    bad.write_bytes(b'truncated')
    out = tmp_path / 'out'
    code = infer_tool.main(
        infer_args(config, checkpoint, out, bad, good) + ['--batch-size', '2'])
    assert code == 1
    err = capsys.readouterr().err
    assert 'a_broken.png' in err
    assert '1 of 2 images could not be read' in err
    # The good image is written all the same.
    assert (out / 'masks' / f'{good.stem}.png').is_file()
    assert not (out / 'masks' / 'a_broken.png').exists()


def test_collect_images(infer_tool, tmp_path):
    write_images(tmp_path / 'a', [(8, 8)] * 2, '.png')
    (tmp_path / 'a' / 'img9.JPG').write_bytes(b'')
    (tmp_path / 'a' / 'notes.txt').write_text('not an image')
    found = infer_tool.collect_images([str(tmp_path / 'a')])
    assert [p.name for p in found] == ['img0.png', 'img1.png', 'img9.JPG']
    write_images(tmp_path / 'b', [(8, 8)], '.jpg')
    with pytest.raises(ValueError, match='img0'):
        infer_tool.collect_images([str(tmp_path / 'a'), str(tmp_path / 'b')])
    with pytest.raises(FileNotFoundError, match='nowhere'):
        infer_tool.collect_images([str(tmp_path / 'nowhere')])


def test_draw_overlay(infer_tool):
    image = np.full((40, 50, 3), 100, np.uint8)
    mask = np.zeros((40, 50), np.uint8)
    mask[10:30, 10:30] = 1
    overlay = infer_tool.draw_overlay(image, mask, opacity=0.5,
                                      color=(0, 255, 0))
    assert overlay.shape == image.shape
    assert (overlay[20, 20] == [50, 178, 50]).all()  # blended inside
    assert (overlay[10, 20] == [0, 255, 0]).all()  # contour
    assert (overlay[0, 0] == image[0, 0]).all()  # untouched outside
    assert (image == 100).all()


def test_infer_real_kvasir_images(tmp_path):
    root = shared_data('kvasir-seg')
    ids = (root / 'splits' / 'test.txt').read_text().split()[:5]
    images = [root / 'images' / f'{i}.jpg' for i in ids]
    config = tiny_fgi_config(tmp_path, base='configs/fgi/kvasir.py')
    save_checkpoint(config, tmp_path / 'fgi.pth')
    out = tmp_path / 'out'
    run_tool('tools/infer.py',
             *infer_args(config, str(tmp_path / 'fgi.pth'), out, *images))
    assert len(list((out / 'masks').iterdir())) == 5
    assert len(list((out / 'overlays').iterdir())) == 5
    for image, sample_id in zip(images, ids):
        size = cv2.imread(str(image)).shape[:2]
        assert_outputs(out, sample_id, size)
