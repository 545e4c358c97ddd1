"""--nudge-mode / --nudge (pcc.compile(..., nudge_mode=, nudge=)): il's
output error scaled by beta and the update divided by it. The fixtures'
check is `ctest -R gradients-il-nudging`; here: through Python, at il's
fixed point, the nudged gradients are closer to torch's backprop than plain
il and the centered one closer than the positive one; beta is the run-time
hyper-parameter `nudge`; the signature carries both; bad values are
named."""

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


def flat(grads, names):
    return np.concatenate([grads[n].ravel() for n in names])


def rel_err(grads, ref):
    r = flat(ref, ref)
    return float(np.linalg.norm(flat(grads, ref) - r) / np.linalg.norm(r))


def test_nudged_il_tends_to_backprop():
    x, t = data()
    net = mlp()
    ref = pcc.compile(net, x, algorithm="bp").gradients(x, t)
    err = {}
    for mode in ("none", "positive", "negative", "centered"):
        flags = {} if mode == "none" else {"nudge_mode": mode, "nudge": 0.1}
        m = pcc.compile(net, x, algorithm="il", inference_steps=2000, **flags)
        assert m.signature["nudge_mode"] == mode
        assert m.hyperparameters.get("nudge") == (None if mode == "none"
                                                  else 0.1)
        err[mode] = rel_err(m.gradients(x, t), ref)
    # First order in beta for one-sided nudges (about 10x below plain il,
    # whose output error is the whole loss error), second order centered.
    assert err["positive"] < err["none"] / 4, err
    assert err["negative"] < err["none"] / 4, err
    assert err["centered"] < err["positive"] / 4, err
    assert err["centered"] < 0.01, err


def test_nudge_is_a_run_time_hyperparameter():
    x, t = data()
    net = mlp()
    at = {}
    for beta in (0.1, 0.4):
        at[beta] = pcc.compile(net, x, inference_steps=500,
                               nudge_mode="positive", nudge=beta)
    m = at[0.1]
    before = m.gradients(x, t)
    m.set(nudge=0.4)
    assert m.hyperparameters["nudge"] == 0.4
    want, got = at[0.4].gradients(x, t), m.gradients(x, t)
    for n in want:
        np.testing.assert_array_equal(got[n], want[n])
    # beta changes the estimate: 0.4 is further from backprop than 0.1.
    ref = pcc.compile(net, x, algorithm="bp").gradients(x, t)
    assert rel_err(got, ref) > 2 * rel_err(before, ref)
    with pytest.raises(ValueError, match="nudge must be > 0, got -1"):
        m.set(nudge=-1)
    plain = pcc.compile(net, x)
    with pytest.raises(ValueError, match="nudge: this library is not nudged "
                       r"\(compile it with --nudge-mode=positive, negative "
                       r"or centered\)"):
        plain.set(nudge=0.1)


def test_nudging_keeps_the_forward_pass():
    x, _ = data()
    net = mlp()
    m = pcc.compile(net, x, nudge_mode="centered")
    np.testing.assert_allclose(m.predict(x), net(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_bad_nudging_is_named():
    x = data()[0]
    with pytest.raises(ValueError, match="--nudge-mode must be none, positive, "
                       "negative or centered, got 'up'"):
        pcc.compile(mlp(), x, nudge_mode="up")
    with pytest.raises(ValueError, match="--nudge must be a positive "
                       "number, got '0'"):
        pcc.compile(mlp(), x, nudge_mode="positive", nudge=0)
    with pytest.raises(pcc.Error, match="--nudge sets the beta of "
                       "--nudge-mode"):
        pcc.compile(mlp(), x, nudge=0.1)
    with pytest.raises(pcc.Error, match="--nudge-mode is for --algorithm=il, epc or ipc"):
        pcc.compile(mlp(), x, algorithm="fpa", nudge_mode="positive")
