"""--schedule (pcc.compile(..., schedule=)): fpa's reverse sweep updates
the vertices last to first within a step, so one step at rate 1 gives
backprop's gradients on an LSTM (every time step a chain of vertices),
where the parallel schedule needs as many steps as the graph is deep."""

import numpy as np
import pytest
import torch

import pcc


class RowLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.lstm = torch.nn.LSTM(6, 8, batch_first=True)
        self.head = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])


def test_reverse_sweep_is_backprop_in_one_step():
    rng = np.random.RandomState(1)
    x = rng.standard_normal((4, 5, 6)).astype(np.float32)
    t = rng.standard_normal((4, 3)).astype(np.float32)
    net = RowLSTM()
    ref = pcc.compile(net, x, algorithm="bp").gradients(x, t)
    m = pcc.compile(net, x, algorithm="fpa", schedule="reverse",
                    inference_steps=1, inference_rate=1.0)
    assert m.signature["schedule"] == "reverse"
    got = m.gradients(x, t)
    for n in ref:
        np.testing.assert_allclose(got[n], ref[n], rtol=1e-5, atol=1e-7)
    # The parallel schedule's one step reaches only the last vertices.
    par = pcc.compile(net, x, algorithm="fpa", inference_steps=1,
                      inference_rate=1.0).gradients(x, t)
    assert not np.allclose(par["lstm.weight_ih_l0"], ref["lstm.weight_ih_l0"],
                           rtol=1e-2)


def test_bad_schedule_is_named():
    x = np.zeros((4, 5, 6), np.float32)
    with pytest.raises(ValueError, match="--schedule must be parallel or "
                       "reverse, got 'forward'"):
        pcc.compile(RowLSTM(), x, algorithm="fpa", schedule="forward")
    with pytest.raises(pcc.Error, match="--schedule=reverse is for "
                       "--algorithm=fpa"):
        pcc.compile(RowLSTM(), x, algorithm="il", schedule="reverse")
