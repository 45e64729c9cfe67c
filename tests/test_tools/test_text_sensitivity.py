"""tools/analysis/text_sensitivity.py: the teacher with right/wrong/no text."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from tests.conftest import REPO, TINY_FGI_WIDTHS, load_tool


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools/analysis/text_sensitivity.py')


def _samples(*lengths):
    samples = []
    for i, length in enumerate(lengths):
        sample = SegDataSample()
        sample.set_metainfo(dict(text_embed=torch.full((length, 4), i + 1.)))
        samples.append(sample)
    return samples


def test_shuffled_text_is_the_next_samples_and_zeros_one_blank_token(tool):
    bank = [torch.full((2, 4), float(k)) for k in (10, 20, 30)]
    samples = _samples(3, 2)  # samples 1 and 2 of the split
    tool.replace_text(samples, 'shuffled', 1, bank)
    assert torch.equal(samples[0].metainfo['text_embed'], bank[2])
    assert torch.equal(samples[1].metainfo['text_embed'],
                       bank[0])  # wraps around
    samples = _samples(3)
    tool.replace_text(samples, 'zeros', 0, bank)
    assert torch.equal(samples[0].metainfo['text_embed'], torch.zeros(1, 4))
    samples = _samples(3)
    tool.replace_text(samples, 'own', 0, bank)
    assert torch.equal(samples[0].metainfo['text_embed'],
                       torch.ones(3, 4))
    with pytest.raises(ValueError, match='condition'):
        tool.replace_text(samples, 'blank', 0, bank)


def test_a_config_without_a_text_teacher_is_refused(tool):
    config = str(REPO / 'configs' / 'baselines' / 'unet_gaze_demo.py')
    with pytest.raises(ValueError, match=r'unet_gaze_demo.py: model.type'):
        tool.teacher_config(config)


def _split_pixels_evenly(model, cfg):
    """Shift the foreground logit of a random model so that it predicts
    foreground on about half of the pixels (instead of none), making its
    metrics depend on its features."""
    model.eval()
    data = next(iter(Runner.build_dataloader(cfg.test_dataloader)))
    with torch.no_grad():
        data = model.data_preprocessor(data, False)
        logits = model._forward(data['inputs'], data['data_samples'])
        model.decode_head.conv_seg.bias[1] += (logits[:, 0] -
                                               logits[:, 1]).median()


def test_own_text_reproduces_the_teachers_test_metrics(
        tool, demo_root, tmp_path):
    config = tmp_path / 'fgi_tiny.py'
    loader = (f"dict(batch_size=2, dataset=dict(data_root='{demo_root}'))")
    config.write_text(
        f"_base_ = ['{REPO}/configs/fgi/demo.py']\n" + TINY_FGI_WIDTHS +
        f'val_dataloader = {loader}\ntest_dataloader = {loader}\n'
        f"work_dir = '{tmp_path / 'work'}'\n")
    cfg = tool.teacher_config(str(config))
    init_default_scope('mmseg')
    torch.manual_seed(0)
    teacher = MODELS.build(cfg.model)
    _split_pixels_evenly(teacher, cfg)
    checkpoint = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict(), meta=dict()),
               checkpoint)

    results = tool.text_sensitivity(str(config), checkpoint, split='test')
    assert list(results) == ['own', 'shuffled', 'zeros']
    assert all(m['num_images'] == 4 for m in results.values())
    cfg.load_from = checkpoint
    expected = Runner.from_cfg(cfg).test()
    assert expected['Dice'] > 0
    assert results['own']['Dice'] == pytest.approx(expected['Dice'])
    # the replaced text reaches the network: the predictions change
    assert results['shuffled']['Dice'] != pytest.approx(expected['Dice'])
    assert results['zeros']['Dice'] != pytest.approx(expected['Dice'])
    table = tool.format_table(results).splitlines()
    assert table[2].startswith(f'| own | {expected["Dice"]:.2f} | +0.00 |')
