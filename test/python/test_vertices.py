"""--vertices=layer (pcc.compile(..., vertices="layer")): a layer
f(W x + b) is one vertex. Exact modes stay exact (ctest gradients-*-layer);
here: il's gradient at a fixed T is closer to backprop's, the signature and
the hidden tensors follow the vertices, and bad values are named."""

import numpy as np
import pytest
import torch

import pcc

B = 8


def mlp(seed=0):
    torch.manual_seed(seed)
    layers = []
    for n_in, n_out in ((12, 16), (16, 16), (16, 16)):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.Tanh()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(16, 4))


def data():
    rng = np.random.RandomState(3)
    return (rng.standard_normal((B, 12)).astype(np.float32),
            0.1 * rng.standard_normal((B, 4)).astype(np.float32))


def flat(grads):
    return np.concatenate([g.ravel() for g in grads.values()])


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_layer_vertices_bring_il_closer_to_backprop_at_fixed_T():
    x, t = data()
    net = mlp()
    ref = flat(pcc.compile(net, x, algorithm="bp").gradients(x, t))
    cos, depth = {}, {}
    for v in ("op", "layer"):
        m = pcc.compile(net, x, algorithm="il", inference_steps=20,
                        vertices=v)
        cos[v] = cosine(flat(m.gradients(x, t)), ref)
        depth[v] = m.signature["depth"]
        assert m.signature["vertices"] == v
    # Three hidden layers of matmul, bias add and tanh: 3 vertices deep
    # (9 with op vertices, the output layer's matmul one more).
    assert depth == {"op": 10, "layer": 3}
    assert cos["layer"] > 0.95 and cos["op"] < 0.85, cos


def test_layer_vertices_keep_the_forward_pass_and_zil_exact():
    x, t = data()
    net = mlp()
    want = net(torch.tensor(x)).detach().numpy()
    ref = pcc.compile(net, x, algorithm="bp").gradients(x, t)
    m = pcc.compile(net, x, algorithm="zil", vertices="layer")
    np.testing.assert_allclose(m.predict(x), want, rtol=1e-5, atol=1e-6)
    for n, g in m.gradients(x, t).items():
        np.testing.assert_allclose(g, ref[n], rtol=1e-4, atol=1e-7)


def test_queries_clamp_the_layer_outputs():
    x, _ = data()
    m = pcc.compile(mlp(), x, queries=True, vertices="layer")
    assert list(m.hidden) == ["/1/Tanh_output_0", "/3/Tanh_output_0",
                              "/5/Tanh_output_0"]
    op = pcc.compile(mlp(), x, queries=True)
    # Every Gemm's output (its bias add; the matmul has no ONNX name) and
    # every tanh.
    assert len(op.hidden) == 6


def test_bad_vertices_are_named():
    with pytest.raises(ValueError, match="--vertices must be op or layer, "
                       "got 'block'"):
        pcc.compile(mlp(), data()[0], vertices="block")
