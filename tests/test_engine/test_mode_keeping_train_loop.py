"""ModeKeepingIterBasedTrainLoop: mmengine's loop, train() only when due."""
import pytest
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader, Dataset

from fgi_mmseg.engine import ModeKeepingIterBasedTrainLoop  # noqa: F401


class _Points(Dataset):

    def __len__(self):
        return 16

    def __getitem__(self, index):
        x = torch.tensor([index / 16, 1 - index / 16])
        return dict(inputs=x, data_samples=x.sum())


class _Model(BaseModel):
    """A linear layer and a batch norm (whose statistics see train mode);
    ``frozen`` stays in eval mode through ``train()``, as a frozen
    teacher does."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 4)
        self.norm = nn.BatchNorm1d(4)
        self.frozen = nn.BatchNorm1d(4)
        self.train_calls = 0

    def train(self, mode=True):
        self.train_calls += int(mode)
        super().train(mode)
        self.frozen.eval()
        return self

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.frozen(self.norm(self.linear(torch.stack(inputs))))
        if mode == 'loss':
            target = torch.stack(data_samples)[:, None]
            return dict(loss=(out - target).pow(2).mean())
        return [o.sum() for o in out]


class _Metric(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results += [float(s) for s in data_samples]

    def compute_metrics(self, results):
        return dict(mean=sum(results) / len(results))


class _ModeRecorder(Hook):
    """Records the modes each iteration starts in; optionally sets the
    norm to eval mode after iteration ``eval_after``."""

    def __init__(self, eval_after=None):
        self.modes, self.eval_after = [], eval_after

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        self.modes.append((model.training, model.norm.training,
                           model.frozen.training))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.eval_after:
            runner.model.norm.eval()


def _train(tmp_path, loop, recorder):
    torch.manual_seed(0)
    loader = dict(batch_size=4, dataset=_Points(), collate_fn=lambda b: dict(
        inputs=[s['inputs'] for s in b],
        data_samples=[s['data_samples'] for s in b]))
    runner = Runner(
        model=_Model(),
        work_dir=str(tmp_path / loop),
        train_dataloader=DataLoader(shuffle=False, **loader),
        val_dataloader=DataLoader(**loader),
        val_evaluator=[_Metric()],
        train_cfg=dict(type=loop, max_iters=6, val_interval=3),
        val_cfg=dict(type='ValLoop'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[recorder],
        default_hooks=dict(checkpoint=None, logger=None),
        default_scope='mmseg',
        log_level='WARNING',
        experiment_name=loop)
    runner.train()
    return runner.model


@pytest.mark.parametrize('eval_after', [None, 1])
def test_training_and_modes_equal_mmengine_loop(tmp_path, eval_after):
    models, modes = {}, {}
    for loop in ('IterBasedTrainLoop', 'ModeKeepingIterBasedTrainLoop'):
        recorder = _ModeRecorder(eval_after)
        models[loop] = _train(tmp_path, loop, recorder)
        modes[loop] = recorder.modes
    ours = models['ModeKeepingIterBasedTrainLoop']
    theirs = models['IterBasedTrainLoop']
    assert modes['ModeKeepingIterBasedTrainLoop'] == \
        modes['IterBasedTrainLoop'] == [(True, True, False)] * 6
    for key, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[key], value), key
    assert theirs.train_calls == 6
    # At the start, after the validation at iteration 3, and after the
    # hook set the norm to eval mode.
    assert ours.train_calls == (2 if eval_after is None else 3)


def test_the_benchmark_schedules_use_it():
    from mmengine.config import Config

    from tests.conftest import REPO
    for config in ('configs/benchmark/kvasir/unet_gaze.py',
                   'configs/fgi/demo.py'):
        cfg = Config.fromfile(REPO / config)
        assert cfg.train_cfg.type == 'ModeKeepingIterBasedTrainLoop', config
