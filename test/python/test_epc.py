"""--algorithm=epc (error-space relaxation, Goemaere et al. 2025): the
errors are the free variables and the values follow from them, so each step
is one forward and one backward sweep and the relaxation reaches il's fixed
point in a few steps. The fixtures' check is `ctest -R gradients-epc`;
here, through Python: epc at T = 20 gives what il gives at T = 4000, which
il at T = 20 is far from; centered-nudged at beta 0.01 it is backprop's
(plain, the fixed point is not: its output error is damped by the hidden
errors whatever the target's distance, which only a nudge of the loss
removes); its step size defaults to 0.5 and is the run-time
`inference_rate`; it trains."""

import numpy as np
import torch

import pcc

B = 8


def deep_mlp(seed=0):
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(12, 16), torch.nn.Tanh()]
    for _ in range(4):
        layers += [torch.nn.Linear(16, 16), torch.nn.Tanh()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(16, 4))


def data():
    rng = np.random.RandomState(5)
    return (rng.standard_normal((B, 12)).astype(np.float32),
            rng.standard_normal((B, 4)).astype(np.float32))


def flat(grads, names):
    return np.concatenate([grads[n].ravel() for n in names])


def rel_err(grads, ref):
    r = flat(ref, ref)
    return float(np.linalg.norm(flat(grads, ref) - r) / np.linalg.norm(r))


def test_epc_reaches_ils_fixed_point_in_few_steps():
    x, t = data()
    net = deep_mlp()
    ref = pcc.compile(net, x, algorithm="bp").gradients(x, t)
    epc = pcc.compile(net, x, algorithm="epc")
    assert epc.signature["algorithm"] == "epc"
    assert epc.hyperparameters["inference_rate"] == 0.5
    assert epc.hyperparameters["inference_steps"] == 20
    g_epc = epc.gradients(x, t)
    g_il20 = pcc.compile(net, x, algorithm="il").gradients(x, t)
    g_il = pcc.compile(net, x, algorithm="il",
                       inference_steps=4000).gradients(x, t)
    # The same equilibrium: epc at 20 steps is il at 4000 ...
    assert rel_err(g_epc, g_il) < 1e-3, rel_err(g_epc, g_il)
    # ... which il at 20 steps is far from.
    assert rel_err(g_il20, g_il) > 0.1, rel_err(g_il20, g_il)


def test_centered_nudged_epc_is_backprop():
    x, t = data()
    net = deep_mlp()
    ref = pcc.compile(net, x, algorithm="bp").gradients(x, t)
    m = pcc.compile(net, x, algorithm="epc", nudge_mode="centered", nudge=0.01)
    assert m.signature["nudge_mode"] == "centered"
    assert rel_err(m.gradients(x, t), ref) < 1e-3


def test_inference_rate_is_a_run_time_hyperparameter():
    x, t = data()
    net = deep_mlp()
    slow = pcc.compile(net, x, algorithm="epc", inference_rate=0.05)
    m = pcc.compile(net, x, algorithm="epc")
    m.set(inference_rate=0.05)
    want, got = slow.gradients(x, t), m.gradients(x, t)
    for n in want:
        np.testing.assert_array_equal(got[n], want[n])
    # At 0.05 twenty steps are far from the fixed point the default reaches.
    assert rel_err(got, pcc.compile(net, x, algorithm="epc").gradients(x, t)) > 0.1


def test_epc_trains():
    x, t = data()
    m = pcc.compile(deep_mlp(), x, algorithm="epc", learning_rate=1e-2)
    first = m.train_step(x, t).loss
    for _ in range(30):
        last = m.train_step(x, t).loss
    assert last < 0.5 * first, (first, last)
