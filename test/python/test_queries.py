"""Queries (Model.infer, train_step with free=): free inputs, a masked
target, clamped hidden tensors, checked against a torch reference that
runs gradient descent on the same free energy.

pcc makes every op a vertex with a value node: for Linear -> Tanh -> Linear
those are the first matmul, its bias add (ONNX tensor /0/Gemm_output_0),
the tanh (/1/Tanh_output_0) and the second matmul; the second bias add is
the output. The energy of a query is

  F = 1/2 sum(observed * (t - mu_y)^2) / B + 1/2 |masked * (y - mu_y)|^2
      + sum over hidden vertices of 1/2 |x_h - mu_h|^2

and each step moves every free element by rate * v, v = momentum * v - dF/dx
(v from zero; momentum 0 is plain gradient descent).
"""

import numpy as np
import pytest
import torch

import pcc

B, NZ, NH, NY = 4, 3, 6, 5
GEMM, TANH = "/0/Gemm_output_0", "/1/Tanh_output_0"


def generator(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(NZ, NH), torch.nn.Tanh(),
                               torch.nn.Linear(NH, NY))


def data(seed=1):
    rng = np.random.RandomState(seed)
    z = rng.standard_normal((B, NZ)).astype(np.float32)
    t = rng.standard_normal((B, NY)).astype(np.float32)
    return z, t


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("q") / "gen.so")
    pcc.compile(generator(), data()[0], algorithm="il", queries=True,
                output=path)
    return path


def reference(net, z0, t, z_free=None, t_mask=None, clamps=None, steps=30,
              rate=0.1, momentum=0.0):
    """Heavy-ball gradient descent on F in float64 autograd, pcc's vertex
    by vertex."""
    d = lambda a: torch.tensor(np.asarray(a), dtype=torch.float64)
    w1, b1, w2, b2 = (d(p.detach().numpy()) for p in net.parameters())
    for p in (w1, b1, w2, b2):
        p.requires_grad_(True)
    z = d(z0)
    zf = torch.zeros_like(z) if z_free is None else d(z_free)
    t = d(t)
    masked = torch.zeros_like(t) if t_mask is None else d(t_mask)
    observed = 1 - masked
    clamps = clamps or {}

    def predictions(z, a1, a2, h, a3):
        return [z @ w1.T, a1 + b1, torch.tanh(a2), h @ w2.T, a3 + b2]

    with torch.no_grad():  # the forward pass: every value at mu
        a1 = z @ w1.T
        a2 = a1 + b1
        h = torch.tanh(a2)
        xs = [a1, a2, h, h @ w2.T, t.clone()]
    names = [None, GEMM, TANH, None]
    hidden_free = []
    for k, name in enumerate(names):
        value, mask = clamps.get(name, (None, None))
        if value is None:
            hidden_free.append(torch.ones_like(xs[k]))
            continue
        mask = torch.ones_like(xs[k]) if mask is None else d(mask)
        xs[k] = xs[k] + mask * (d(value) - xs[k])
        hidden_free.append(1 - mask)

    def energy(z, xs):
        mu = predictions(z, *xs[:4])
        f = 0.5 * (observed * (t - mu[4]) ** 2).sum() / B
        f = f + 0.5 * ((masked * (xs[4] - mu[4])) ** 2).sum()
        for k in range(4):
            f = f + 0.5 * ((xs[k] - mu[k]) ** 2).sum()
        return f

    vz, vs = torch.zeros_like(z), [torch.zeros_like(x) for x in xs]
    for _ in range(steps):
        z.requires_grad_(True)
        for x in xs:
            x.requires_grad_(True)
        grads = torch.autograd.grad(energy(z, xs), [z] + xs)
        with torch.no_grad():
            vz = momentum * vz - grads[0]
            vs = [momentum * v - g for v, g in zip(vs, grads[1:])]
            z = z + rate * zf * vz
            xs = [x + rate * f * v for x, f, v in
                  zip(xs, hidden_free + [masked], vs)]
    z, xs = z.detach(), [x.detach() for x in xs]
    f = energy(z, xs)
    gw = torch.autograd.grad(f, [w1, b1, w2, b2])
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]
    return (z.numpy(), xs[4].numpy(), f.item(),
            {n: g.numpy() for n, g in zip(names, gw)})


def close(got, want):
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


def scenarios():
    rng = np.random.RandomState(7)
    half = (rng.rand(B, NY) < 0.5).astype(np.float32)
    zmask = (rng.rand(B, NZ) < 0.5).astype(np.float32)
    hmask = (rng.rand(B, NH) < 0.5).astype(np.float32)
    hval = rng.uniform(-0.9, 0.9, (B, NH)).astype(np.float32)
    gval = rng.standard_normal((B, NH)).astype(np.float32)
    return [
        ("nothing_free", {}),
        ("free_input", {"z_free": np.ones((B, NZ), np.float32)}),
        ("half_target_masked", {"t_mask": half}),
        ("partial_everything", {"z_free": zmask, "t_mask": half,
                                "clamps": {TANH: (hval, hmask)}}),
        ("clamp_whole_gemm", {"z_free": np.ones((B, NZ), np.float32),
                              "clamps": {GEMM: (gval, None)}}),
        ("momentum", {"z_free": zmask, "t_mask": half, "momentum": 0.8,
                      "clamps": {TANH: (hval, hmask)}}),
    ]


@pytest.mark.parametrize("case", scenarios(), ids=lambda c: c[0])
def test_query_is_gradient_descent_on_the_energy(lib, case):
    _, kw = case
    net = generator()
    z0, t = data()
    m = pcc.load(lib)
    assert list(m.hidden) == [GEMM, TANH]
    free = {} if "z_free" not in kw else {"x": kw["z_free"]}
    clamp = {n: (v, mk) if mk is not None else v
             for n, (v, mk) in kw.get("clamps", {}).items()}
    r = m.infer(z0, free=free, target=t, target_mask=kw.get("t_mask"),
                clamp=clamp, steps=30, rate=0.1,
                momentum=kw.get("momentum", 0.0))
    z, y, f, grads = reference(net, z0, t, **kw)
    close(r.inputs["x"], z)
    close(r.output, y)
    np.testing.assert_allclose(r.energy, f, rtol=2e-4)
    assert r.steps == 30
    for n, g in m.grads.items():
        close(g, grads[n])
    if "z_free" in kw:  # the free input moved
        assert np.abs(r.inputs["x"] - z0).max() > 1e-3


def test_nothing_free_is_the_training_relaxation(lib):
    m = pcc.load(lib)
    z, t = data()
    want = m.gradients(z, t)
    stats = m.last_stats
    r = m.infer(z, target=t)  # the model's steps and rate
    assert r.steps == stats.steps
    np.testing.assert_allclose(r.energy, stats.energy, rtol=1e-5)
    np.testing.assert_allclose(r.loss, stats.loss, rtol=1e-6)
    for n, g in m.grads.items():
        np.testing.assert_allclose(g, want[n], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(r.inputs["x"], z)
    np.testing.assert_array_equal(r.output, t)


def test_queries_relax_with_il_whatever_the_library_trains_with(tmp_path):
    z, t = data()
    il = pcc.compile(generator(), z, algorithm="il", queries=True)
    bp = pcc.compile(generator(), z, algorithm="bp", queries=True)
    a = il.infer(z, free=["x"], target=t, steps=25, rate=0.1)
    b = bp.infer(z, free=["x"], target=t, steps=25, rate=0.1)
    np.testing.assert_allclose(a.inputs["x"], b.inputs["x"], rtol=1e-6)
    np.testing.assert_allclose(a.energy, b.energy, rtol=1e-6)


def test_whole_target_masked_relaxes_to_the_prediction(lib):
    m = pcc.load(lib)
    z, t = data()
    r = m.infer(z, target=t, target_mask=np.ones_like(t), steps=600,
                rate=0.2)
    np.testing.assert_allclose(r.output, m.predict(z), atol=1e-5)
    assert r.energy < 1e-9
    np.testing.assert_array_equal(r.inputs["x"], z)
    # No target at all: the output starts at the prediction, nothing moves.
    r = m.infer(z, steps=5)
    np.testing.assert_array_equal(r.output, m.predict(z))
    assert r.energy == 0.0 and r.loss == 0.0


def test_clamping_a_hidden_tensor_to_its_forward_value_changes_nothing(
        lib, tmp_path):
    z, t = data()
    forward = pcc.compile(generator(), z, model_output=TANH).predict(z)
    m = pcc.load(lib)
    r = m.infer(z, free=["x"], clamp={TANH: forward}, steps=20)
    np.testing.assert_allclose(r.output, m.predict(z), atol=1e-6)
    np.testing.assert_allclose(r.inputs["x"], z, atol=1e-6)
    assert r.energy < 1e-10
    # Clamped elsewhere, the output follows the clamp: y = V h + c.
    h = np.tanh(np.random.RandomState(3).standard_normal(forward.shape))
    h = h.astype(np.float32)
    r = m.infer(z, clamp={TANH: h}, steps=400, rate=0.2)
    net = generator()
    with torch.no_grad():
        want = net[2](torch.from_numpy(h)).numpy()
    np.testing.assert_allclose(r.output, want, atol=1e-4)
    # An all-zero clamp mask clamps nothing.
    a = m.infer(z, target=t, free=["x"], clamp={TANH: (h, np.zeros_like(h))})
    b = m.infer(z, target=t, free=["x"])
    np.testing.assert_array_equal(a.output, b.output)
    np.testing.assert_array_equal(a.inputs["x"], b.inputs["x"])


def test_inferring_the_latent_lowers_the_loss(lib):
    m = pcc.load(lib)
    z_true, _ = data()
    target = m.predict(z_true)
    z0 = np.zeros_like(z_true)
    r = m.infer(inputs={"x": z0}, free=["x"], target=target, steps=3000,
                rate=0.5)
    before = 0.5 * ((m.predict(z0) - target) ** 2).sum() / B
    after = 0.5 * ((m.predict(r.inputs["x"]) - target) ** 2).sum() / B
    assert after < 0.05 * before, (before, after)


def test_train_step_with_free_inputs_is_infer_then_apply(lib):
    z, t = data()
    a, b = pcc.load(lib), pcc.load(lib)
    stats = a.train_step(z, t, free=["x"])
    r = b.infer(z, target=t, free=["x"])
    b.apply_gradients()
    assert stats.energy == r.energy
    np.testing.assert_array_equal(a.last_query.inputs["x"], r.inputs["x"])
    for n in a.params:
        np.testing.assert_array_equal(a.params[n], b.params[n])
    assert a.optimizer_step == b.optimizer_step == 1
    # With momentum too (a second step on both).
    a.train_step(z, t, free=["x"], momentum=0.7)
    r = b.infer(z, target=t, free=["x"], momentum=0.7)
    b.apply_gradients()
    np.testing.assert_array_equal(a.last_query.inputs["x"], r.inputs["x"])
    for n in a.params:
        np.testing.assert_array_equal(a.params[n], b.params[n])
    # infer changed no parameter.
    c = pcc.load(lib)
    before = {n: v.copy() for n, v in c.params.items()}
    c.infer(z, target=t, free=["x"])
    for n in before:
        np.testing.assert_array_equal(c.params[n], before[n])


def test_bad_queries_are_named(lib):
    m = pcc.load(lib)
    z, t = data()
    with pytest.raises(KeyError, match="free=.*'y'.*inputs: x"):
        m.infer(z, target=t, free=["y"])
    with pytest.raises(KeyError, match=r"clamp='h9'.*hidden tensors: "
                       "/0/Gemm_output_0, /1/Tanh_output_0"):
        m.infer(z, target=t, clamp={"h9": np.zeros((B, NH), np.float32)})
    with pytest.raises(KeyError, match="is an input"):
        m.infer(z, target=t, clamp={"x": z})
    with pytest.raises(ValueError, match="target_mask.*only 0 and 1"):
        m.infer(z, target=t, target_mask=np.full_like(t, 0.5))
    with pytest.raises(ValueError, match="free mask 'x'.*only 0 and 1"):
        m.infer(z, target=t, free={"x": np.full_like(z, 2.0)})
    with pytest.raises(TypeError, match="target_mask needs a target"):
        m.infer(z, target_mask=np.ones((B, NY), np.float32))
    with pytest.raises(ValueError, match="clamp.*/1/Tanh_output_0.*shape"):
        m.infer(z, clamp={TANH: np.zeros((B, NH + 1), np.float32)})
    with pytest.raises(ValueError, match="steps"):
        m.infer(z, target=t, steps=-1)
    with pytest.raises(ValueError, match="rate"):
        m.infer(z, target=t, rate=float("nan"))
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="momentum must be >= 0 and < 1"):
            m.infer(z, target=t, momentum=bad)
    with pytest.raises(TypeError, match="input 'x' is clamped but not given"):
        m.infer(inputs={}, target=t)


def test_libraries_without_queries_and_ce_targets_refuse(tmp_path):
    z, t = data()
    off = pcc.compile(generator(), z)  # queries are off by default
    assert off.hidden == {} or list(off.hidden) == []
    with pytest.raises(pcc.Error, match=r"without queries \(pcc --queries=on"):
        off.infer(z, target=t)
    with pytest.raises(TypeError, match="queries must be True or False"):
        pcc.compile(generator(), z, queries="yes")
    ce = pcc.compile(generator(), z, loss="ce", queries=True)
    onehot = np.eye(NY, dtype=np.float32)[[0, 1, 2, 3]]
    ce.infer(z, target=onehot)  # fully observed: allowed
    with pytest.raises(pcc.Error, match="ce"):
        ce.infer(z, target=onehot, target_mask=np.ones_like(onehot))


class Decoder(torch.nn.Module):
    """latent 8 -> 2x4x4 -> nearest upsampling -> conv 3x3 -> 1x8x8."""

    def __init__(self, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.fc = torch.nn.Linear(8, 32)
        self.up = torch.nn.Upsample(scale_factor=2)
        self.conv = torch.nn.Conv2d(2, 1, 3, padding=1)

    def forward(self, z):
        h = torch.tanh(self.fc(z)).reshape(-1, 2, 4, 4)
        return self.conv(self.up(h))


def test_cnn_decoder_infers_its_latent_and_fills_masked_pixels():
    z_true = np.random.RandomState(5).standard_normal((2, 8)).astype(
        np.float32)
    m = pcc.compile(Decoder(), z_true, algorithm="il", queries=True)
    assert any("Tanh" in n for n in m.hidden)
    image = m.predict(z_true)
    # Nothing free: the training relaxation.
    want = m.gradients(z_true, image + 0.1)
    r = m.infer(z_true, target=image + 0.1)
    np.testing.assert_allclose(r.energy, m.last_stats.energy, rtol=1e-5)
    for n, g in m.grads.items():
        np.testing.assert_allclose(g, want[n], rtol=1e-5, atol=1e-7)
    # The bottom half masked, the latent free from zero: the latent that
    # explains the top half also fills in the bottom.
    mask = np.zeros_like(image)
    mask[:, :, 4:, :] = 1
    z0 = np.zeros_like(z_true)
    r = m.infer(inputs={"x": z0}, free=["x"], target=image, target_mask=mask,
                steps=4000, rate=0.3)
    start = ((m.predict(z0) - image) ** 2 * mask).mean()
    filled = ((r.output - image) ** 2 * mask).mean()
    assert filled < 0.2 * start, (start, filled)
    np.testing.assert_array_equal(r.output[mask == 0], image[mask == 0])
