"""--algorithm=ipc (incremental predictive coding, Salvatori et al. 2024):
il's relaxation in which the parameters also take an optimizer step at every
inference step, along the gradient at the state the step starts from. The
optimizer (SGD or Adam) is built into the relaxation loop, so it is checked
here against the runtime's: a step whose state has only the output's error
is backprop's last-layer step; at learning rate 0 ipc is il; T steps are T
optimizer steps."""

import numpy as np
import pytest
import torch

import pcc

B = 4


def mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(),
                               torch.nn.Linear(8, 8), torch.nn.Tanh(),
                               torch.nn.Linear(8, 3))


def data(seed=1):
    rng = np.random.RandomState(seed)
    return (rng.standard_normal((B, 6)).astype(np.float32),
            rng.standard_normal((B, 3)).astype(np.float32))


LAST = ("4.weight", "4.bias")


def copy_params(model):
    return {n: p.copy() for n, p in model.params.items()}


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_one_step_is_backprops_output_layer_step(optimizer):
    # With T = 1 the only step starts at the forward pass, where the output
    # layer (one vertex with layer vertices) holds the only error: ipc moves
    # that layer as the runtime's optimizer does along backprop's gradient
    # and leaves the rest. Three calls: Adam's moments and bias correction
    # carry over.
    x, t = data()
    net = mlp()
    ipc = pcc.compile(net, x, algorithm="ipc", optimizer=optimizer,
                      learning_rate=0.05, inference_steps=1, vertices="layer")
    ref = pcc.compile(net, x, algorithm="bp", optimizer=optimizer,
                      learning_rate=0.05, vertices="layer")
    first = copy_params(ipc)
    for step in range(3):
        g = ref.gradients(x, t)
        ref.apply_gradients({n: (g[n] if n in LAST else np.zeros_like(g[n]))
                             for n in g})
        ipc.train_step(x, t)
        assert ipc.optimizer_step == step + 1
        for n in ipc.params:
            np.testing.assert_allclose(ipc.params[n], ref.params[n],
                                       rtol=1e-5, atol=1e-6, err_msg=n)
    for n in LAST:
        assert np.abs(ipc.params[n] - first[n]).max() > 1e-3, n
    for n in set(first) - set(LAST):
        np.testing.assert_array_equal(ipc.params[n], first[n], err_msg=n)


def test_at_learning_rate_zero_ipc_is_il():
    # The relaxation is il's; only the parameters' steps differ.
    x, t = data()
    net = mlp()
    ipc = pcc.compile(net, x, algorithm="ipc", learning_rate=0.0)
    il = pcc.compile(net, x, algorithm="il")
    first = copy_params(ipc)
    a, b = ipc.train_step(x, t), il.gradients(x, t) and il.last_stats
    assert a.loss == b.loss
    assert a.energy == pytest.approx(b.energy, rel=1e-6)
    for n in first:
        np.testing.assert_array_equal(ipc.params[n], first[n], err_msg=n)


def test_every_inference_step_is_an_optimizer_step():
    x, t = data()
    ipc = pcc.compile(mlp(), x, algorithm="ipc", optimizer="sgd",
                      learning_rate=0.05, inference_steps=10)
    first = copy_params(ipc)
    ipc.train_step(x, t)
    assert ipc.optimizer_step == 10
    # The error spreads one vertex per step (shrinking by about the rate
    # each time); the first matmul is 7 op vertices from the output, so
    # within 10 steps the first layer moves, within 5 it does not.
    assert np.abs(ipc.params["0.weight"] - first["0.weight"]).max() > 0
    ipc.set(inference_steps=5)
    moved = copy_params(ipc)
    ipc.train_step(x, t)
    assert ipc.optimizer_step == 15
    np.testing.assert_array_equal(ipc.params["0.weight"], moved["0.weight"])
    assert np.abs(ipc.params["4.weight"] - moved["4.weight"]).max() > 1e-4


def test_ipc_trains():
    x, t = data()
    ipc = pcc.compile(mlp(), x, algorithm="ipc", learning_rate=1e-3)
    first = ipc.train_step(x, t).loss
    for _ in range(30):
        last = ipc.train_step(x, t).loss
    assert last < 0.5 * first, (first, last)


def test_positive_nudge_at_one_step_is_backprop():
    # Nudged, the output error is beta times the loss's and the step
    # divides by beta: at T = 1 the same step as without the nudge.
    x, t = data()
    net = mlp()
    plain = pcc.compile(net, x, algorithm="ipc", optimizer="sgd",
                        learning_rate=0.05, inference_steps=1)
    nudged = pcc.compile(net, x, algorithm="ipc", optimizer="sgd",
                         learning_rate=0.05, inference_steps=1,
                         nudge_mode="positive", nudge=0.01)
    plain.train_step(x, t)
    nudged.train_step(x, t)
    for n in plain.params:
        np.testing.assert_allclose(nudged.params[n], plain.params[n],
                                   rtol=1e-4, atol=1e-6, err_msg=n)


def test_what_ipc_refuses():
    x, t = data()
    ipc = pcc.compile(mlp(), x, algorithm="ipc")
    with pytest.raises(pcc.Error, match="trains by ipc.*no single gradient"):
        ipc.gradients(x, t)
    with pytest.raises(pcc.Error, match="--nudge-mode=centered needs two "
                       "relaxations from the same parameters"):
        pcc.compile(mlp(), x, algorithm="ipc", nudge_mode="centered")


def test_frozen_parameters_and_states(tmp_path):
    # A frozen parameter is not carried and stays; batch norm's running
    # estimates take the training step's update once per call, from the
    # forward pass, as bp's do. (Exported once: exporting a module in
    # training mode runs it, which moves its running estimates.)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                              torch.nn.ReLU(), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 6 * 6, 3)).train()
    rng = np.random.RandomState(0)
    x = rng.standard_normal((B, 1, 8, 8)).astype(np.float32)
    t = rng.standard_normal((B, 3)).astype(np.float32)
    path = str(tmp_path / "bn.onnx")
    torch.onnx.export(net, torch.from_numpy(x), path,
                      training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False)
    ipc = pcc.compile(path, algorithm="ipc", freeze=["0.weight"])
    bp = pcc.compile(path, algorithm="bp", freeze=["0.weight"])
    first, states = copy_params(ipc), ipc.states
    ipc.train_step(x, t)
    bp.train_step(x, t)
    np.testing.assert_array_equal(ipc.params["0.weight"], first["0.weight"])
    assert np.abs(ipc.params["4.weight"] - first["4.weight"]).max() > 1e-3
    for n, v in ipc.states.items():
        assert np.abs(v - states[n]).max() > 0, n
        np.testing.assert_allclose(v, bp.states[n], rtol=1e-5, atol=1e-6,
                                   err_msg=n)
