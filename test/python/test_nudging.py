"""--nudging (pcc.compile(..., nudging=, nudge_beta=)): il's output error
scaled by beta and the update divided by it. The fixtures' check is
`ctest -R gradients-il-nudging`; here: through Python, at il's fixed point,
the nudged gradients are closer to torch's backprop than plain il and the
centred one closer than the positive one; the signature carries the flags;
bad values are named."""

import numpy as np
import pytest
import torch

import pcc

B = 8


def mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.Tanh(),
                               torch.nn.Linear(16, 16), torch.nn.Tanh(),
                               torch.nn.Linear(16, 4))


def data():
    rng = np.random.RandomState(3)
    return (rng.standard_normal((B, 12)).astype(np.float32),
            rng.standard_normal((B, 4)).astype(np.float32))


def rel_err(grads, ref):
    g = np.concatenate([grads[n].ravel() for n in ref])
    r = np.concatenate([ref[n].ravel() for n in ref])
    return float(np.linalg.norm(g - r) / np.linalg.norm(r))


def test_nudged_il_tends_to_backprop():
    x, t = data()
    net = mlp()
    ref = pcc.compile(net, x, algorithm="bp").gradients(x, t)
    err = {}
    for nudging in ("none", "positive", "negative", "centred"):
        m = pcc.compile(net, x, algorithm="il", inference_steps=2000,
                        nudging=nudging, nudge_beta=0.1)
        assert m.signature["nudging"] == nudging
        assert m.signature["nudge_beta"] == 0.1
        err[nudging] = rel_err(m.gradients(x, t), ref)
    # First order in beta for one-sided nudges (about 10x below plain il,
    # whose output error is the whole loss error), second order centred.
    assert err["positive"] < err["none"] / 4, err
    assert err["negative"] < err["none"] / 4, err
    assert err["centred"] < err["positive"] / 4, err
    assert err["centred"] < 0.01, err


def test_nudging_keeps_the_forward_pass():
    x, _ = data()
    net = mlp()
    m = pcc.compile(net, x, nudging="centred")
    np.testing.assert_allclose(m.predict(x), net(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_bad_nudging_is_named():
    x = data()[0]
    with pytest.raises(ValueError, match="--nudging must be none, positive, "
                       "negative or centred, got 'up'"):
        pcc.compile(mlp(), x, nudging="up")
    with pytest.raises(ValueError, match="--nudge-beta must be a positive "
                       "number, got '0'"):
        pcc.compile(mlp(), x, nudging="positive", nudge_beta=0)
    with pytest.raises(pcc.Error, match="--nudging is for --algorithm=il"):
        pcc.compile(mlp(), x, algorithm="fpa", nudging="positive")
