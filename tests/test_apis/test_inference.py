"""``init_model`` builds the deployable network; ``inference_model``
segments images at their original size."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from fgi_mmseg.apis import (ImageReadError, deploy_config, inference_model,
                            inference_pipeline_config, init_model)
from tests.test_apis.helpers import (DATASET_META, save_checkpoint,
                                     tiny_fgi_config, tiny_unet_config,
                                     write_images)


@pytest.fixture(scope='module')
def fgi(tmp_path_factory):
    """A tiny FGI config and a checkpoint of the student with its
    teacher."""
    tmp_path = tmp_path_factory.mktemp('fgi')
    config = tiny_fgi_config(tmp_path)
    state_dict = save_checkpoint(config, tmp_path / 'fgi.pth')
    return config, str(tmp_path / 'fgi.pth'), state_dict


@pytest.fixture(scope='module')
def fgi_model(fgi):
    config, checkpoint, _ = fgi
    return init_model(config, checkpoint)


def _read(path):
    return cv2.imread(str(path), cv2.IMREAD_COLOR)


def assert_loaded(model, state_dict):
    for key, value in model.state_dict().items():
        assert torch.equal(value, state_dict[key]), key


def test_init_model_fgi_is_the_student_alone(fgi, fgi_model):
    _, _, state_dict = fgi
    assert any(key.startswith('teacher.') for key in state_dict)
    model = fgi_model
    assert getattr(model, 'teacher', None) is None
    assert not any('teacher' in key for key in model.state_dict())
    assert not any('afc_projections' in key for key in model.state_dict())
    assert type(model).__name__ == 'EncoderDecoder'
    assert not model.training
    assert_loaded(model, state_dict)
    assert model.dataset_meta['classes'] == DATASET_META['classes']
    # Normalisation as in training: the config's data preprocessor.
    assert model.data_preprocessor.mean.flatten().tolist() == pytest.approx(
        [123.675, 116.28, 103.53])
    assert model.data_preprocessor.channel_conversion
    assert 'teacher' not in model.cfg.model


def test_init_model_distill_model_config(fgi):
    config, checkpoint, state_dict = fgi
    cfg = Config.fromfile(config)
    cfg.pop('runner_type')
    cfg.pop('stages')
    cfg.model.teacher_checkpoint = '/nonexistent/teacher.pth'  # not loaded
    model = init_model(cfg, checkpoint)
    assert getattr(model, 'teacher', None) is None
    assert_loaded(model, state_dict)
    # The caller's config is left as it was.
    assert cfg.model.type == 'DistillEncoderDecoder'
    assert 'teacher' in cfg.model


def test_init_model_loads_strictly(fgi, tmp_path):
    config, checkpoint, _ = fgi
    ckpt = torch.load(checkpoint, weights_only=True)
    missing = next(k for k in ckpt['state_dict'] if k.startswith('backbone'))
    del ckpt['state_dict'][missing]
    torch.save(ckpt, tmp_path / 'broken.pth')
    with pytest.raises(RuntimeError, match='does not match') as error:
        init_model(config, str(tmp_path / 'broken.pth'))
    assert missing in str(error.value)


def test_init_model_other_segmentor(tmp_path):
    config = tiny_unet_config(tmp_path)
    state_dict = save_checkpoint(config, tmp_path / 'unet.pth')
    model = init_model(config, str(tmp_path / 'unet.pth'))
    assert type(model).__name__ == 'WeaklySupervisedEncoderDecoder'
    assert not model.training
    assert_loaded(model, state_dict)
    assert deploy_config(config).model == model.cfg.model


def test_inference_on_path_and_array(fgi_model, tmp_path):
    (path, ) = write_images(tmp_path, [(90, 70)])
    array = _read(path)
    from_path = inference_model(fgi_model, str(path))
    from_array = inference_model(fgi_model, array)
    for result in (from_path, from_array):
        assert result.pred_sem_seg.shape == (90, 70)
        assert tuple(result.seg_logits.data.shape) == (2, 90, 70)
        assert set(result.pred_sem_seg.data.unique().tolist()) <= {0, 1}
    assert torch.equal(from_path.pred_sem_seg.data,
                       from_array.pred_sem_seg.data)
    torch.testing.assert_close(from_path.seg_logits.data,
                               from_array.seg_logits.data)


def test_inference_on_a_list_is_one_batch(fgi_model, tmp_path, monkeypatch):
    sizes = [(90, 70), (64, 64), (40, 120)]
    paths = write_images(tmp_path, sizes)
    calls = []
    test_step = fgi_model.test_step

    def counting_test_step(data):
        calls.append(len(data['inputs']))
        return test_step(data)

    monkeypatch.setattr(fgi_model, 'test_step', counting_test_step)
    images = [str(paths[0]), _read(paths[1]), paths[2]]
    results = inference_model(fgi_model, images)
    assert calls == [3]
    assert isinstance(results, list) and len(results) == 3
    assert [r.pred_sem_seg.shape for r in results] == sizes
    single = inference_model(fgi_model, str(paths[2]))
    torch.testing.assert_close(results[2].seg_logits.data,
                               single.seg_logits.data, atol=1e-5, rtol=0)


def test_inference_names_unreadable_images(fgi_model, tmp_path):
    missing = tmp_path / 'missing.png'
    with pytest.raises(ImageReadError, match='missing.png'):
        inference_model(fgi_model, [str(missing)])
    corrupt = tmp_path / 'corrupt.jpg'
    corrupt.write_bytes(b'not an image')
    with pytest.raises(ImageReadError, match='corrupt.jpg'):
        inference_model(fgi_model, str(corrupt))
    with pytest.raises(ValueError, match='H x W x 3'):
        inference_model(fgi_model, np.zeros((8, 8), np.uint8))


def test_test_pipeline_drops_ground_truth_and_text(fgi):
    config, _, _ = fgi
    cfg = Config.fromfile(config)
    # The teacher stage's test pipeline loads masks and text.
    cfg.merge_from_dict(cfg.stages.teacher.to_dict())
    loaded = [t['type'] for t in cfg.test_dataloader.dataset.pipeline]
    assert {'LoadBinaryAnnotations', 'LoadTextEmbedding'} <= set(loaded)
    kept = [t['type'] for t in inference_pipeline_config(cfg)]
    assert kept == ['LoadImageFromFile', 'Resize', 'PackGazeSegInputs']
