"""FiniteLossHook: any non-finite logged loss stops training."""
from types import SimpleNamespace

import pytest
import torch

from fgi_mmseg.engine import FiniteLossHook
from fgi_mmseg.engine.hooks.finite_loss_hook import NonFiniteLossError

_RUNNER = SimpleNamespace(iter=6)
_BATCH = dict(data_samples=[SimpleNamespace(metainfo=dict(sample_id='a7'))])


@pytest.mark.parametrize('value', [
    torch.tensor(float('nan')),
    torch.tensor(float('inf'), dtype=torch.bfloat16),
    torch.tensor([1.0, float('-inf')]),
    float('nan'),
])
def test_a_non_finite_loss_names_iteration_loss_and_sample(value):
    outputs = dict(loss=torch.tensor(1.0), **{'decode.loss_ce': value})
    with pytest.raises(NonFiniteLossError,
                       match=r'iteration 7: decode\.loss_ce=.*a7'):
        FiniteLossHook().after_train_iter(_RUNNER, 6, _BATCH, outputs)


def test_finite_losses_and_non_loss_values_pass():
    outputs = {'loss': torch.tensor(0.5, dtype=torch.bfloat16),
               'decode.loss_dice': torch.tensor([0.1, 0.2]),
               'decode.acc_seg': torch.tensor(float('nan'))}
    FiniteLossHook().after_train_iter(_RUNNER, 6, _BATCH, outputs)
