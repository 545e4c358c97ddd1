"""pytest suite of the Python package (python-bindings/).

Run by ctest (test `python`) with PYTHONPATH at the build's python/ and
PCC_TEST_GRADIENT_FIXTURES at the gradient fixtures' files; the gradient
checks build the fixtures' torch modules (test/gradients/gen_fixtures.py).
"""

import copy
import json
import os
import threading

import numpy as np
import onnx
from onnx import numpy_helper
import pytest
import torch

import pcc

BATCH = 4


def tiny_net(seed=0, bn=False):
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(3, 5)]
    if bn:
        layers.append(torch.nn.BatchNorm1d(5))
    layers += [torch.nn.Tanh(), torch.nn.Linear(5, 2)]
    return torch.nn.Sequential(*layers)


def batch(seed=1):
    rng = np.random.RandomState(seed)
    x = rng.standard_normal((BATCH, 3)).astype(np.float32)
    t = rng.standard_normal((BATCH, 2)).astype(np.float32)
    return x, t


def torch_mse_grads(net, x, t):
    """pcc's mse: 0.5 * sum over features, mean over the batch."""
    net.zero_grad()
    y = net(torch.from_numpy(x))
    loss = 0.5 * ((y - torch.from_numpy(t)) ** 2).sum(1).mean()
    loss.backward()
    return loss.item(), {n: p.grad.numpy().copy()
                         for n, p in net.named_parameters()}


def params_of(m):
    return {n: v.copy() for n, v in m.params.items()}


def same_bits(a, b):
    return a.keys() == b.keys() and all(
        a[k].tobytes() == b[k].tobytes() for k in a)


@pytest.fixture(scope="module")
def il_model_path(tmp_path_factory):
    """A library built once, loaded by several tests."""
    path = str(tmp_path_factory.mktemp("lib") / "tiny_il.so")
    x, _ = batch()
    pcc.compile(tiny_net(), x, algorithm="il", output=path)
    return path


# -- compile, predict, gradients ---------------------------------------------

def test_torch_module_forward_and_bp_gradients_match_torch():
    net = tiny_net()
    x, t = batch()
    m = pcc.compile(net, x, algorithm="bp")
    with torch.no_grad():
        want = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(m.predict(x), want, rtol=1e-5, atol=1e-6)
    loss, want_grads = torch_mse_grads(net, x, t)
    got = m.gradients(x, t)
    assert list(got) == list(want_grads)
    for name in want_grads:
        np.testing.assert_allclose(got[name], want_grads[name], atol=1e-6,
                                   rtol=1e-5, err_msg=name)
    assert m.last_stats.loss == pytest.approx(loss, rel=1e-5)
    assert m.signature["algorithm"] == "bp"


def test_sum_reduction_matches_torch_and_keeps_samples_apart():
    """loss_reduction="sum": bp gives torch's gradients of the summed mse and
    ce; il relaxes every sample as if it were alone (the batch's gradients
    are the sum of the one-sample libraries' gradients)."""
    net = tiny_net()
    x, t = batch()
    m = pcc.compile(net, x, algorithm="bp", loss_reduction="sum")
    assert m.signature["loss_reduction"] == "sum"
    loss, want = torch_mse_grads(net, x, t)
    got = m.gradients(x, t)
    for name in want:
        np.testing.assert_allclose(got[name], BATCH * want[name], atol=1e-5,
                                   rtol=1e-5, err_msg=name)
    assert m.last_stats.loss == pytest.approx(BATCH * loss, rel=1e-5)

    onehot = np.eye(2, dtype=np.float32)[[0, 1, 1, 0]]
    ce = pcc.compile(net, x, algorithm="bp", loss="ce", loss_reduction="sum")
    net.zero_grad()
    y = net(torch.from_numpy(x))
    torch.nn.functional.cross_entropy(
        y, torch.tensor([0, 1, 1, 0]), reduction="sum").backward()
    got = ce.gradients(x, onehot)
    for n, p in net.named_parameters():
        np.testing.assert_allclose(got[n], p.grad.numpy(), atol=1e-5,
                                   rtol=1e-5, err_msg=n)

    il = pcc.compile(net, x, algorithm="il", loss_reduction="sum")
    one = pcc.compile(net, x[:1], algorithm="il", loss_reduction="sum")
    mean = pcc.compile(net, x, algorithm="il")
    got_mean = mean.gradients(x, t)
    got = il.gradients(x, t)
    energy = il.last_stats.energy
    per_sample, energies = [], []
    for i in range(BATCH):
        per_sample.append(one.gradients(x[i:i + 1], t[i:i + 1]))
        energies.append(one.last_stats.energy)
    assert energy == pytest.approx(sum(energies), rel=1e-5)
    for name in got:
        total = sum(g[name] for g in per_sample)
        np.testing.assert_allclose(got[name], total, atol=1e-5, rtol=1e-4,
                                   err_msg=name)
        # The mean reduction weighs the output error by 1/B against the
        # hidden errors: its relaxation is another one.
        assert not np.allclose(BATCH * got_mean[name], total, rtol=1e-3,
                               atol=1e-6), name


def test_compile_from_onnx_bytes_and_model_proto(tmp_path):
    """ONNX bytes and an onnx.ModelProto compile in memory and give the
    library the file gives; bad bytes raise pcc.Error naming the model."""
    net = tiny_net()
    x, t = batch()
    path = str(tmp_path / "tiny.onnx")
    torch.onnx.export(net, torch.from_numpy(x), path, input_names=["x"],
                      output_names=["y"])
    from_file = pcc.compile(path, algorithm="bp")
    raw = open(path, "rb").read()
    for model in (raw, bytearray(raw), onnx.load(path)):
        m = pcc.compile(model, algorithm="bp")
        assert m.predict(x).tobytes() == from_file.predict(x).tobytes()
        g, want = m.gradients(x, t), from_file.gradients(x, t)
        assert same_bits(g, want)
    with pytest.raises(pcc.Error, match="not a valid ONNX model"):
        pcc.compile(b"not a model")
    with pytest.raises(TypeError, match="example_inputs is for torch"):
        pcc.compile(raw, x)


def test_gradients_change_nothing():
    m = pcc.compile(tiny_net(), batch()[0], algorithm="il")
    x, t = batch()
    before = params_of(m)
    g1 = m.gradients(x, t)
    g2 = m.gradients(x, target=t)
    assert same_bits(before, params_of(m))
    assert same_bits(g1, g2)
    assert m.optimizer_step == 0


def fixture_cases():
    """The gradient fixtures' torch modules (test/gradients/gen_fixtures.py):
    (name, builder, seed)."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "gradients"))
    import gen_fixtures
    return gen_fixtures, gen_fixtures.MODELS


@pytest.mark.parametrize("case", fixture_cases()[1], ids=lambda c: c[0])
def test_bp_gradients_of_fixture_modules_match_torch(case):
    """pcc.compile(module, x, algorithm="bp") on every gradient fixture's
    module: the gradients of every torch parameter and the loss equal
    torch autograd's (float64 reference) within 1e-4."""
    gen, _ = fixture_cases()
    name, builder, seed = case
    model, inputs, target, loss, opts = gen.build_case(name, builder, seed)
    ref = copy.deepcopy(model).double()
    y = ref(*[torch.from_numpy(a).double() for a in inputs])
    want_loss = gen.loss_fn(loss, y, torch.from_numpy(target).double())
    want_loss.backward()
    want = {n: p.grad.numpy() for n, p in ref.named_parameters()}

    m = pcc.compile(model, tuple(inputs), algorithm="bp", loss=loss,
                    opset=opts.get("opset_version", 13))
    got = m.gradients(*inputs, target)
    assert sorted(got) == sorted(want), name
    for pname, w in want.items():
        scale = max(1.0, float(np.abs(w).max()))
        err = float(np.abs(got[pname] - w).max())
        assert err <= 1e-4 * scale, "%s: %s off by %g" % (name, pname, err)
    assert m.last_stats.loss == pytest.approx(want_loss.item(), rel=1e-4)


# -- training, the optimizer, checkpoints ------------------------------------

def test_train_step_lowers_the_loss():
    m = pcc.compile(tiny_net(), batch()[0], algorithm="il",
                    learning_rate=0.01, inference_steps=10)
    x, t = batch()
    first = m.train_step(x, t)
    assert first.steps == 10
    for _ in range(50):
        last = m.train_step(x, t)
    assert last.loss < 0.9 * first.loss
    assert m.optimizer_step == 51


def test_gradients_then_apply_is_a_train_step():
    x, t = batch()
    a, b, c = (pcc.compile(tiny_net(), x, algorithm="fpa") for _ in range(3))
    for _ in range(3):
        a.train_step(x, t)
        b.gradients(x, t)
        b.apply_gradients()
        c.apply_gradients(c.gradients(x, t))
    assert not same_bits(params_of(a), params_of(pcc.compile(
        tiny_net(), x, algorithm="fpa")))
    assert same_bits(params_of(a), params_of(b))
    assert same_bits(params_of(a), params_of(c))


def test_save_restore_resumes_bit_identically(tmp_path, il_model_path):
    x, t = batch()
    a = pcc.load(il_model_path)
    a.set(learning_rate=0.02)
    for _ in range(3):
        a.train_step(x, t)
    ckpt = str(tmp_path / "ckpt.npz")
    a.save(ckpt)
    b = pcc.load(il_model_path)
    b.restore(ckpt)
    assert b.hyperparameters["learning_rate"] == 0.02
    assert b.optimizer_step == 3
    for _ in range(2):
        sa, sb = a.train_step(x, t), b.train_step(x, t)
        assert sa == sb
    assert same_bits(params_of(a), params_of(b))
    # Parameters alone (no Adam moments) do not continue the same way.
    c = pcc.load(il_model_path)
    c.set(learning_rate=0.02)
    for n, v in a.params.items():
        np.copyto(c.params[n], v)
    a.train_step(x, t)
    c.train_step(x, t)
    assert not same_bits(params_of(a), params_of(c))


def test_batch_norm_state_is_trained_saved_and_restored(tmp_path):
    net = tiny_net(bn=True).train()
    x, t = batch()
    m = pcc.compile(net, x, algorithm="bp")
    names = list(m.states)
    assert any("running_mean" in n for n in names), names
    before = m.states
    m.train_step(x, t)
    after = m.states
    assert not same_bits(before, after)
    ckpt = str(tmp_path / "bn.npz")
    m.save(ckpt)
    m.train_step(x, t)
    m.restore(ckpt)
    assert same_bits(after, m.states)


def test_non_finite_numbers_raise_and_change_nothing():
    """A NaN or Inf in the data, or a diverging learning rate, raises
    pcc.Error naming what is not finite; parameters, Adam's moments and
    step, and batch-norm state stay as they were."""
    net = tiny_net(bn=True).train()
    x, t = batch()
    m = pcc.compile(net, x, algorithm="bp")
    m.train_step(x, t)

    def everything():
        return (params_of(m), {n: v.copy() for n, v in m.states.items()},
                m.optimizer_step)

    def unchanged(a, b):
        return same_bits(a[0], b[0]) and same_bits(a[1], b[1]) and a[2] == b[2]

    before = everything()
    bad_x, bad_t = x.copy(), t.copy()
    bad_x[0, 1] = np.inf
    bad_t[2, 0] = np.nan
    for args in ((bad_x, t), (x, bad_t)):
        with pytest.raises(pcc.Error, match="not finite.*left unchanged"):
            m.train_step(*args)
        assert unchanged(before, everything())
        with pytest.raises(pcc.Error, match="not finite"):
            m.gradients(*args)
    m.set(learning_rate=1e30)
    with pytest.raises(pcc.Error, match="not finite"):
        for _ in range(10):
            last = everything()
            m.train_step(x, t)
    assert unchanged(last, everything())
    assert all(np.isfinite(v).all() for v in m.params.values())


def test_params_are_live_writable_views():
    x, _ = batch()
    m = pcc.compile(tiny_net(), x, algorithm="bp")
    y0 = m.predict(x)
    last = list(m.params)[-1]          # the output layer's bias
    m.params[last][...] += 1.0
    np.testing.assert_allclose(m.predict(x), y0 + 1.0, rtol=1e-5, atol=1e-6)


def test_restore_refuses_another_model(tmp_path, il_model_path):
    ckpt = str(tmp_path / "other.npz")
    torch.manual_seed(0)
    other = torch.nn.Sequential(torch.nn.Linear(3, 2))
    pcc.compile(other, batch()[0], algorithm="il").save(ckpt)
    with pytest.raises(ValueError, match="another model"):
        pcc.load(il_model_path).restore(ckpt)
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        pcc.load(il_model_path).restore(str(tmp_path / "nope.npz"))


# -- export to ONNX ----------------------------------------------------------

def test_export_onnx_round_trips_into_torch_and_pcc(tmp_path):
    net = tiny_net()
    x, t = batch()
    m = pcc.compile(net, x, algorithm="il", learning_rate=0.05)
    for _ in range(5):
        m.train_step(x, t)
    trained = m.predict(x)
    path = str(tmp_path / "trained.onnx")
    m.export_onnx(path)
    onnx.checker.check_model(onnx.load(path))
    # Into torch: copy the initializers into the original module.
    inits = {i.name: numpy_helper.to_array(i)
             for i in onnx.load(path).graph.initializer}
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.from_numpy(inits[name]))
        np.testing.assert_allclose(net(torch.from_numpy(x)).numpy(), trained,
                                   rtol=1e-5, atol=1e-6)
    # Into pcc: the same compiled code on the same values, bit for bit.
    again = pcc.compile(path, algorithm="il")
    assert again.predict(x).tobytes() == trained.tobytes()


def test_export_onnx_needs_the_graph(il_model_path, tmp_path):
    with pytest.raises(pcc.Error, match="onnx="):
        pcc.load(il_model_path).export_onnx(str(tmp_path / "x.onnx"))


# -- loading, prefixes, threads ----------------------------------------------

def test_load_finds_the_prefix(tmp_path):
    path = str(tmp_path / "p.so")
    x, _ = batch()
    pcc.compile(tiny_net(), x, algorithm="bp", prefix="tiny", output=path)
    m = pcc.load(path)
    assert m.predict(x).shape == (BATCH, 2)
    with pytest.raises(pcc.Error, match="prefix 'other'"):
        pcc.load(path, prefix="other")


def test_models_train_in_threads_as_sequentially(il_model_path):
    x, t = batch()
    seq = [pcc.load(il_model_path) for _ in range(2)]
    par = [pcc.load(il_model_path) for _ in range(2)]
    for m in seq:
        for _ in range(20):
            m.train_step(x, t)

    def run(m):
        for _ in range(20):
            m.train_step(x, t)

    threads = [threading.Thread(target=run, args=(m,)) for m in par]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for a, b in zip(seq, par):
        assert same_bits(params_of(a), params_of(b))


# -- bad input ---------------------------------------------------------------

def test_bad_arrays_are_named(il_model_path):
    m = pcc.load(il_model_path)
    x, t = batch()
    with pytest.raises(TypeError, match=r"input 'x' has dtype float64, "
                       r"expected float32 \(shape \[4, 3\]\)"):
        m.predict(x.astype(np.float64))
    with pytest.raises(ValueError, match=r"input 'x' has shape \[4, 4\], "
                       r"expected \[4, 3\]"):
        m.predict(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="input 'x' is not C-contiguous"):
        m.predict(np.asfortranarray(x))
    with pytest.raises(TypeError, match=r"takes 1 input\(s\) \(x\[4, 3\]\), got 2"):
        m.predict(x, x)
    with pytest.raises(TypeError, match="input 'x' must be a numpy"):
        m.predict([[0.0] * 3] * 4)
    with pytest.raises(ValueError, match=r"target 'target' has shape \[4, 3\]"):
        m.train_step(x, x)
    with pytest.raises(TypeError, match="needs the inputs and a target"):
        m.train_step()
    assert m.optimizer_step == 0


def test_bad_hyperparameters_are_named(il_model_path):
    m = pcc.load(il_model_path)
    with pytest.raises(TypeError, match="unknown hyper-parameter 'momentum'"):
        m.set(momentum=0.9)
    with pytest.raises(ValueError, match="inference_steps must be a whole"):
        m.set(inference_steps=2.5)
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        m.set(learning_rate=-1)
    assert m.hyperparameters["learning_rate"] == pytest.approx(1e-3)


def test_bad_compile_arguments_are_named(tmp_path):
    x, _ = batch()
    with pytest.raises(ValueError, match="--algorithm must be il, fpa, zil, bp, epc or ipc, got 'pc'"):
        pcc.compile(tiny_net(), x, algorithm="pc")
    with pytest.raises(ValueError, match="--inference-steps must be a whole number"):
        pcc.compile(tiny_net(), x, inference_steps=0)
    with pytest.raises(TypeError, match="unknown argument 'steps'"):
        pcc.compile(tiny_net(), x, steps=3)
    with pytest.raises(FileNotFoundError, match="missing.onnx"):
        pcc.compile(str(tmp_path / "missing.onnx"))
    with pytest.raises(FileNotFoundError, match="missing.so"):
        pcc.load(str(tmp_path / "missing.so"))
    with pytest.raises(TypeError, match="needs example_inputs"):
        pcc.compile(tiny_net())
    with pytest.raises(TypeError, match="ONNX file path, ONNX bytes or a torch.nn.Module"):
        pcc.compile(42)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    with pytest.raises(pcc.Error):
        pcc.compile(str(garbage))
    not_a_library = tmp_path / "lib.so"
    not_a_library.write_bytes(b"\x7fELF nothing")
    with pytest.raises(pcc.Error):
        pcc.load(str(not_a_library), prefix="pcc")


def test_apply_gradients_checks_names_and_shapes(il_model_path):
    m = pcc.load(il_model_path)
    g = {n: np.zeros_like(v) for n, v in m.params.items()}
    with pytest.raises(KeyError, match="no parameter named 'nope'"):
        m.apply_gradients(dict(g, nope=np.zeros(1, np.float32)))
    first = next(iter(g))
    with pytest.raises(KeyError, match="no gradient for parameter"):
        m.apply_gradients({k: v for k, v in g.items() if k != first})
    with pytest.raises(ValueError, match="gradient '%s' has shape" % first):
        m.apply_gradients(dict(g, **{first: np.zeros(7, np.float32)}))
    assert m.optimizer_step == 0


def fixture_names():
    d = os.environ.get("PCC_TEST_GRADIENT_FIXTURES")
    if not d or not os.path.isdir(d):
        return []
    return sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json"))


@pytest.mark.skipif("new_ops" not in fixture_names(),
                    reason="PCC_TEST_GRADIENT_FIXTURES not set (ctest sets it)")
def test_export_onnx_unties_identity_aliases(tmp_path):
    """new_ops has LayerNorm weights that torch shares through Identity
    nodes; pcc trains each alias as its own parameter, and the export gives
    each its own initializer."""
    d = os.environ["PCC_TEST_GRADIENT_FIXTURES"]
    spec = json.load(open(os.path.join(d, "new_ops.json")))
    src = os.path.join(d, "new_ops.onnx")
    graph = onnx.load(src).graph
    inits = {i.name for i in graph.initializer}
    aliases = [n.output[0] for n in graph.node
               if n.op_type == "Identity" and n.input[0] in inits]
    assert aliases, "the fixture no longer has Identity aliases"
    m = pcc.compile(src, algorithm="bp", loss=spec["loss"], learning_rate=0.01)
    rng = np.random.RandomState(0)
    inputs = [rng.standard_normal(i["shape"]).astype(np.float32)
              for i in spec["inputs"]]
    target = rng.standard_normal(spec["target_shape"]).astype(np.float32)
    for _ in range(3):
        m.train_step(*inputs, target)
    path = str(tmp_path / "new_ops.trained.onnx")
    m.export_onnx(path)
    exported = onnx.load(path).graph
    assert set(aliases) <= {i.name for i in exported.initializer}
    again = pcc.compile(path, algorithm="bp", loss=spec["loss"])
    assert set(again.params) == set(m.params)
    assert again.predict(*inputs).tobytes() == m.predict(*inputs).tobytes()


# -- the examples --------------------------------------------------------------

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "examples", "python")


def run_example(*args):
    import subprocess
    import sys
    return subprocess.run([sys.executable] + list(args), capture_output=True,
                          text=True, timeout=600)


def test_data_parallel_two_processes_match_one_with_twice_the_batch():
    r = run_example(os.path.join(EXAMPLES, "data_parallel.py"), "--procs", "2",
                    "--steps", "5", "--tolerance", "1e-5")
    assert r.returncode == 0, r.stdout + r.stderr
    line = [l for l in r.stdout.splitlines() if "largest parameter" in l]
    assert line, r.stdout
    assert float(line[0].split()[-1]) <= 1e-5


@pytest.mark.skipif(not os.path.isdir("/usr/share/datasets/fashion-mnist"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_example_trains_and_plots(tmp_path):
    r = run_example(os.path.join(EXAMPLES, "fashion_mnist.py"), "--epochs", "1",
                    "--limit", "3200", "--out", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("epoch 1:")]
    assert line, r.stdout
    import re
    il, bp = (float(v) for v in re.findall(r"(?:il|bp) ([0-9.]+) %", line[0]))
    assert il > 50 and bp > 50, line[0]   # 10 classes: chance is 10 %
    for png in ("accuracy.png", "energy.png"):
        assert (tmp_path / png).stat().st_size > 1000


def test_readme_python_example_runs_as_written():
    readme = open(os.path.join(EXAMPLES, "..", "..", "README.md")).read()
    start = readme.index("```python\n") + len("```python\n")
    code = readme[start:readme.index("```", start)]
    scope = {}
    exec(compile(code, "README.md", "exec"), scope)
    stats = scope["stats"]
    assert isinstance(stats, pcc.StepStats) and stats.steps == 20
    assert np.isfinite(stats.loss) and stats.energy <= stats.loss


def test_compiles_run_concurrently_in_threads(tmp_path):
    """pcc's compiler is reentrant (torch.onnx.export is not: the exports
    are made first, in this thread)."""
    x, _ = batch()
    nets = [tiny_net(seed) for seed in range(3)]
    paths = [str(tmp_path / ("net%d.onnx" % i)) for i in range(3)]
    for net, path in zip(nets, paths):
        torch.onnx.export(net, (torch.from_numpy(x),), path, opset_version=13)
    models, errors = [None] * 3, []

    def build(i):
        try:
            models[i] = pcc.compile(paths[i], algorithm=("il", "bp", "zil")[i])
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=build, args=(i,)) for i in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for net, m in zip(nets, models):
        with torch.no_grad():
            want = net(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(m.predict(x), want, rtol=1e-5, atol=1e-6)
    # Torch modules too: pcc serialises their exports.
    models[:] = [None] * 3
    threads = [threading.Thread(target=lambda i=i: models.__setitem__(
        i, pcc.compile(nets[i], x, algorithm="bp"))) for i in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for net, m in zip(nets, models):
        with torch.no_grad():
            want = net(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(m.predict(x), want, rtol=1e-5, atol=1e-6)


def test_c_checkpoint_and_driver_onnx_export(tmp_path):
    """pcc_save_checkpoint from a trained model, then the driver's
    --emit=onnx --checkpoint: the exported graph predicts what the model
    does; another model's checkpoint is refused."""
    net = tiny_net()
    x, t = batch()
    src = str(tmp_path / "net.onnx")
    torch.onnx.export(net, (torch.from_numpy(x),), src, opset_version=13)
    m = pcc.compile(src, algorithm="il", learning_rate=0.05)
    for _ in range(5):
        m.train_step(x, t)
    ckpt = str(tmp_path / "net.ckpt")
    m.save_checkpoint(ckpt)
    out = str(tmp_path / "trained.onnx")
    pcc._pcc.compile(src, out, [("emit", "onnx"), ("checkpoint", ckpt)],
                     pcc._config.runtime_dir())
    onnx.checker.check_model(onnx.load(out))
    again = pcc.compile(out, algorithm="il")
    assert again.predict(x).tobytes() == m.predict(x).tobytes()
    resumed = pcc.compile(src, algorithm="il", learning_rate=0.05)
    resumed.load_checkpoint(ckpt)
    assert resumed.optimizer_step == 5
    assert same_bits(params_of(resumed), params_of(m))
    with pytest.raises(pcc.Error, match="--checkpoint=FILE"):
        pcc._pcc.compile(src, out, [("emit", "onnx")], "")
    torch.manual_seed(0)
    other = str(tmp_path / "other.onnx")
    torch.onnx.export(torch.nn.Linear(3, 2), (torch.from_numpy(x),), other,
                      opset_version=13)
    with pytest.raises(pcc.Error, match="does not fit"):
        pcc._pcc.compile(other, out, [("emit", "onnx"), ("checkpoint", ckpt)], "")
    with pytest.raises(pcc.Error, match="not of this model"):
        pcc.compile(other, algorithm="il").load_checkpoint(ckpt)


def test_compiling_a_training_mode_module_leaves_its_running_estimates():
    # torch.onnx.export runs the module; in training mode that moves batch
    # norm's running estimates. compile() puts them back, in the module and
    # in the library's initial states.
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                              torch.nn.ReLU()).train()
    net[1].running_mean.fill_(0.25)
    before = {n: b.clone() for n, b in net.named_buffers()}
    x = np.random.RandomState(0).standard_normal((2, 1, 5, 5)).astype(np.float32)
    m = pcc.compile(net, x, algorithm="bp")
    for n, b in net.named_buffers():
        assert torch.equal(b, before[n]), n
    np.testing.assert_array_equal(m.states["1.running_mean"],
                                  before["1.running_mean"].numpy())
    np.testing.assert_array_equal(m.states["1.running_var"],
                                  before["1.running_var"].numpy())
