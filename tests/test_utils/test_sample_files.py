"""One reader and one check per kind of sample file."""
import cv2
import numpy as np
import pytest

from fgi_mmseg.utils.sample_files import (UnreadableFileError, binary_mask,
                                          embedding_problem, read_embedding,
                                          read_image)


def test_binary_mask_reads_0_255_with_jpeg_noise_and_0_1_as_stored():
    noisy = np.array([[0, 8, 127], [128, 246, 255]], np.uint8)
    assert binary_mask(noisy).tolist() == [[False, False, False],
                                           [True, True, True]]
    assert binary_mask(np.array([[0, 1]], np.uint8)).tolist() == [[False,
                                                                   True]]


@pytest.mark.parametrize('content,message', [
    (None, 'file not found'), (b'', 'empty file'),
    (b'not an image', 'not a readable image')])
def test_read_image_says_why_it_cannot(tmp_path, content, message):
    path = tmp_path / 'm.png'
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=message):
        read_image(path, cv2.IMREAD_GRAYSCALE)


def test_read_image_decodes_a_non_ascii_path(tmp_path):
    path = tmp_path / 'maské.png'
    ok, data = cv2.imencode('.png', np.full((2, 3), 255, np.uint8))
    path.write_bytes(data.tobytes())
    assert read_image(path, cv2.IMREAD_GRAYSCALE).shape == (2, 3)


def test_embeddings_are_checked_one_way(tmp_path):
    with pytest.raises(UnreadableFileError, match='file not found'):
        read_embedding(tmp_path / 'e.npy')
    (tmp_path / 'e.npy').write_bytes(b'junk')
    with pytest.raises(UnreadableFileError, match=r'unreadable \.npy'):
        read_embedding(tmp_path / 'e.npy')
    assert embedding_problem(np.zeros((3, 4), np.float32)) is None
    assert 'L x C' in embedding_problem(np.zeros(4, np.float32))
    assert 'L x C' in embedding_problem(np.zeros((3, 0), np.float32))
    assert 'L x C' in embedding_problem(np.zeros((3, 4), np.int64))
    nan = np.zeros((3, 4), np.float32)
    nan[0, 0] = np.nan
    assert '1 NaN/inf' in embedding_problem(nan)
    assert embedding_problem(np.zeros((3, 4)), embed_dim=5) == \
        'expected width 5, got 4'
