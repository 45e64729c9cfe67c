"""Flip-consistent text: mirrored reports, their encodings, their selection."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from fgi_mmseg.datasets import SampleLoadError
from fgi_mmseg.datasets.transforms import (LoadTextEmbedding,
                                           PackGazeSegInputs,
                                           SegFieldsRandomFlip)
from fgi_mmseg.models import GazeSegDataPreProcessor
from fgi_mmseg.text.encoder import TextEncoder
from fgi_mmseg.text.flip import (FLIP_DIRECTIONS, compose_flips,
                                 flip_variant_path, mirror_report)
from fgi_mmseg.text.records import DescriptionRecord
from tests.conftest import run_tool

REPORT = dict(location='lower left', boundary='irregular',
              characteristics=['lobulated', 'reddish'], area_percentage=12,
              confidence='high', remarks='Left of the fold, near the top')


def test_location_and_orientation_words_are_mirrored():
    assert mirror_report(REPORT, 'horizontal')['location'] == 'lower right'
    assert mirror_report(REPORT, 'vertical')['location'] == 'upper left'
    diagonal = mirror_report(REPORT, 'diagonal')
    assert diagonal['location'] == 'upper right'
    assert diagonal['remarks'] == 'Right of the fold, near the bottom'
    assert {k: v for k, v in diagonal.items()
            if k not in ('location', 'remarks')} == {
                k: v for k, v in mirror_report(REPORT, None).items()
                if k not in ('location', 'remarks')}
    assert mirror_report(dict(REPORT, location='center'),
                         'diagonal')['location'] == 'center'
    # whole words only
    assert mirror_report(dict(REPORT, remarks='leftover mucus'),
                         'horizontal')['remarks'] == 'leftover mucus'


@pytest.mark.parametrize('direction', FLIP_DIRECTIONS)
def test_mirroring_twice_gives_the_report_back(direction):
    twice = mirror_report(mirror_report(REPORT, direction), direction)
    assert twice == mirror_report(REPORT, None)


def test_flips_compose_as_the_group_of_two_mirrors():
    assert compose_flips('horizontal', 'vertical') == 'diagonal'
    assert compose_flips('diagonal', 'vertical') == 'horizontal'
    assert compose_flips('horizontal', 'horizontal') is None
    assert compose_flips(None, 'vertical') == 'vertical'
    with pytest.raises(ValueError, match='flip direction'):
        compose_flips('sideways', None)


@pytest.fixture(scope='module')
def embeddings(tmp_path_factory):
    """tools/text/encode.py output for one report, with flip variants."""
    root = tmp_path_factory.mktemp('text')
    descriptions = root / 'descriptions.jsonl'
    descriptions.write_bytes(
        DescriptionRecord('s1', 'gaze', report=REPORT).to_line())
    run_tool('tools/text/encode.py', str(descriptions), '--out-dir',
             str(root / 'embeddings'))
    return str(root / 'embeddings' / 's1.npy')


def _sample(embed_path):
    img = np.zeros((6, 8, 3), np.uint8)
    img[5, 0] = 255  # lower left, like the report says
    return dict(sample_id='s1', img=img, img_shape=(6, 8), ori_shape=(6, 8),
                seg_fields=[], text_embed_path=embed_path)


def _flip(results, *directions, text='variants'):
    for direction in directions:
        results = SegFieldsRandomFlip(prob=1.0, direction=direction,
                                 text=text)(results)
    return results


def test_a_flipped_sample_carries_the_encoding_of_the_mirrored_report(
        embeddings):
    encoder = TextEncoder()
    expected = {d: encoder.encode([mirror_report(REPORT, d)])[0]
                for d in (None, ) + FLIP_DIRECTIONS}
    assert not np.allclose(expected[None][:3], expected['horizontal'][:3],
                           atol=1e-3)
    load = LoadTextEmbedding(flip_variants=True)
    for flips, direction in [((), None), (('horizontal', ), 'horizontal'),
                             (('vertical', ), 'vertical'),
                             (('horizontal', 'vertical'), 'diagonal'),
                             (('horizontal', 'horizontal'), None)]:
        out = _flip(load(_sample(embeddings)), *flips)
        assert out.get('flip_direction') == direction
        np.testing.assert_allclose(out['text_embed'], expected[direction],
                                   atol=1e-5)
        if direction == 'diagonal':
            assert out['img'][0, 7].tolist() == [255] * 3  # now upper right


def test_flipping_text_without_its_variants_is_refused(embeddings):
    plain = LoadTextEmbedding()(_sample(embeddings))
    with pytest.raises(SampleLoadError, match='s1.*flip_variants=True'):
        _flip(plain, 'horizontal')
    # The old behaviour, kept for the record: the text stays unflipped.
    kept = _flip(LoadTextEmbedding()(_sample(embeddings)), 'horizontal',
                 text='keep')
    np.testing.assert_array_equal(kept['text_embed'], plain['text_embed'])


def test_a_missing_variant_names_its_file(tmp_path):
    path = str(tmp_path / 's1.npy')
    np.save(path, np.ones((2, 4), np.float32))
    missing = flip_variant_path(path, 'horizontal')
    with pytest.raises(SampleLoadError, match=f'{missing}.*encode.py'):
        LoadTextEmbedding(flip_variants=True)(_sample(path))


def test_the_batch_flip_selects_the_flipped_text(embeddings):
    packed = PackGazeSegInputs()(
        LoadTextEmbedding(flip_variants=True)(_sample(embeddings)))
    variants = packed['data_samples'].text_embed_flips
    samples = []
    for _ in range(8):
        sample = SegDataSample(metainfo=dict(packed['data_samples'].metainfo))
        sample.gt_comp_seg = PixelData(data=torch.zeros(1, 6, 8).long())
        samples.append(sample)
    pre = GazeSegDataPreProcessor(
        size=(6, 8),
        batch_flip=dict(prob=0.5, directions=('horizontal', 'vertical')))
    torch.manual_seed(0)
    out = pre(dict(inputs=[packed['inputs']] * 8, data_samples=samples),
              training=True)
    seen = set()
    for sample in out['data_samples']:
        seen.add(sample.flip_direction)
        torch.testing.assert_close(
            sample.text_embed, variants[sample.flip_direction or 'none'])
    assert len(seen) > 2
