#!/usr/bin/python3
"""Generate gradient fixtures for pcc from small PyTorch models.

    /usr/bin/python3 test/gradients/gen_fixtures.py OUTDIR [--only NAME ...]

For every model NAME this writes, into OUTDIR:

  NAME.onnx          the model (opset 13, static batch 8, constant folding on,
                     initializer names = torch parameter names)
  NAME.json          the fixture description (see below)
  NAME.*.bin         raw little-endian float32 tensors (row-major)

NAME.json:
  {"model": NAME, "loss": "ce"|"mse", "batch": 8, "opset": 13,
   "ops": [ONNX op types in node order],
   "inputs":  [{"name", "shape", "file"}],          # graph inputs, in order
   "target_file", "target_shape",                   # one-hot for ce
   "output_name": "y", "output_shape", "output_file",  # forward output
   "loss_value": float,                             # L at the forward pass
   "params": [{"name", "shape", "grad_file", "value_file"}]}
                          # torch parameters in ONNX graph.initializer order

L is the batch mean of the per-sample loss: ce = F.cross_entropy(y, labels)
(softmax cross-entropy, mean reduction), mse = 0.5*((y-t)**2).sum(1).mean().
The reference output, loss and gradients are computed by torch autograd in
float64 from the exact float32 weights and inputs the ONNX file holds; they
are written as float32.  File paths in the json are relative to the json.

Only Debian's python3-torch, python3-onnx and numpy are needed.
"""

import argparse
import copy
import json
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 13
BATCH = 8

# The ONNX ops the fixtures may contain (what pcc has to support for them).
ALLOWED_OPS = {
    "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Neg", "Relu", "LeakyRelu",
    "Sigmoid", "Tanh", "Exp", "Log", "Softmax", "LogSoftmax", "Identity",
    "Flatten", "Reshape", "Transpose", "Constant",
}


# ----------------------------------------------------------------- models

def mlp_ce():
    return nn.Sequential(
        nn.Linear(20, 32), nn.ReLU(),
        nn.Linear(32, 16), nn.ReLU(),
        nn.Linear(16, 10)), [(20,)], "ce", 10


def mlp_mse_tanh():
    return nn.Sequential(
        nn.Linear(12, 24), nn.Tanh(),
        nn.Linear(24, 16), nn.Sigmoid(),
        nn.Linear(16, 6)), [(12,)], "mse", 6


class Branch(nn.Module):
    """A DAG: multiplicative interaction, skip connection, elementwise
    Sub/Div/Exp/Neg/LeakyRelu, a MatMul with a bare parameter matrix."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(10, 16)
        self.l2 = nn.Linear(10, 16)
        self.l3 = nn.Linear(10, 16)
        self.P = nn.Parameter(torch.randn(16, 12) / 4.0)
        self.out = nn.Linear(12, 5)

    def forward(self, x):
        h1 = torch.tanh(self.l1(x))
        h2 = torch.sigmoid(self.l2(x))
        m = h1 * h2                       # Mul of two vertices
        s = m + self.l3(x)                # skip connection (Add)
        a = F.leaky_relu(s, 0.2)          # LeakyRelu(alpha=0.2)
        d = (a - h1) / (1.0 + torch.exp(-s))  # Sub, Neg, Exp, Add const, Div
        z = d @ self.P                    # MatMul with a parameter
        return self.out(z)


def branch():
    return Branch(), [(10,)], "mse", 5


def softmax_mse():
    return nn.Sequential(
        nn.Linear(10, 16), nn.Tanh(),
        nn.Linear(16, 8), nn.Softmax(dim=1)), [(10,)], "mse", 8


class ReshapeLogSoftmax(nn.Module):
    """Flatten/Reshape/Transpose, x*x (Mul with one operand twice), Log,
    Div by a vertex, MatMul with a parameter, LogSoftmax output, mse."""

    def __init__(self):
        super().__init__()
        self.l = nn.Linear(12, 12)
        self.P = nn.Parameter(torch.randn(12, 6) / 3.0)

    def forward(self, x):                 # x: [8, 3, 4]
        h = torch.tanh(self.l(torch.flatten(x, 1)))
        h = h.reshape(BATCH, 3, 4).transpose(1, 2).reshape(BATCH, 12)
        h = torch.log(1.0 + torch.exp(-h)) / (2.0 + h * h)
        return torch.log_softmax(h @ self.P, dim=1)


def reshape_logsoftmax():
    return ReshapeLogSoftmax(), [(3, 4)], "mse", 6


class TwoInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(10, 16)
        self.b = nn.Linear(6, 16)
        self.out = nn.Linear(16, 4)

    def forward(self, x0, x1):
        return self.out(torch.relu(self.a(x0) + self.b(x1)))


def two_input():
    return TwoInput(), [(10,), (6,)], "ce", 4


class SharedWeight(nn.Module):
    """One Linear applied twice: a parameter used by two vertices."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(8, 12)
        self.shared = nn.Linear(12, 12)
        self.out = nn.Linear(12, 3)

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        h = torch.tanh(self.shared(h))
        h = torch.tanh(self.shared(h))
        return self.out(h)


def shared_weight():
    return SharedWeight(), [(8,)], "mse", 3


MODELS = [
    ("mlp_ce", mlp_ce, 1),
    ("mlp_mse_tanh", mlp_mse_tanh, 2),
    ("branch", branch, 3),
    ("softmax_mse", softmax_mse, 4),
    ("reshape_logsoftmax", reshape_logsoftmax, 5),
    ("two_input", two_input, 6),
    ("shared_weight", shared_weight, 7),
]


# ----------------------------------------------------------------- helpers

def write_bin(path, array):
    a = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
    a.tofile(path)


def loss_fn(kind, y, target):
    if kind == "ce":
        return F.cross_entropy(y, target.argmax(dim=1))
    return 0.5 * ((y - target) ** 2).sum(dim=1).mean()


def fail(msg):
    sys.exit("gen_fixtures: error: " + msg)


def generate(outdir, name, builder, seed):
    torch.manual_seed(seed)
    model, in_shapes, loss_kind, classes = builder()
    model = model.float().eval()
    rng = np.random.RandomState(1000 + seed)

    inputs = [rng.standard_normal((BATCH,) + s).astype(np.float32)
              for s in in_shapes]
    if loss_kind == "ce":
        labels = rng.randint(0, classes, size=BATCH)
        target = np.zeros((BATCH, classes), np.float32)
        target[np.arange(BATCH), labels] = 1.0
    elif name in ("softmax_mse", "reshape_logsoftmax"):
        # a random probability vector per sample (its log for LogSoftmax)
        z = rng.standard_normal((BATCH, classes))
        p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        target = (p if name == "softmax_mse" else np.log(p)).astype(np.float32)
    else:
        target = (0.5 * rng.standard_normal((BATCH, classes))).astype(np.float32)

    in_names = ["x"] if len(inputs) == 1 else ["x%d" % i for i in range(len(inputs))]
    onnx_path = os.path.join(outdir, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(
            model, tuple(torch.from_numpy(a) for a in inputs), onnx_path,
            opset_version=OPSET, input_names=in_names, output_names=["y"],
            export_params=True, do_constant_folding=True)

    # Read the model back: op types, initializer order and names.
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    g = m.graph
    ops = [n.op_type for n in g.node]
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        fail("%s: exported ops outside the allowed set: %s" % (name, bad))
    graph_inputs = [i.name for i in g.input]
    if graph_inputs != in_names:
        fail("%s: graph inputs %s, expected %s" % (name, graph_inputs, in_names))
    if [o.name for o in g.output] != ["y"]:
        fail("%s: graph outputs %s" % (name, [o.name for o in g.output]))

    tparams = dict(model.named_parameters())
    order = []
    for init in g.initializer:
        if init.name in tparams:
            order.append(init.name)
            arr = onnx.numpy_helper.to_array(init)
            want = tparams[init.name].detach().numpy()
            if arr.dtype != np.float32 or arr.shape != want.shape \
                    or not np.array_equal(arr, want):
                fail("%s: initializer %s differs from the torch parameter"
                     % (name, init.name))
    missing = sorted(set(tparams) - set(order))
    if missing:
        fail("%s: torch parameters missing from the ONNX initializers "
             "(renamed or folded by the exporter): %s; initializers: %s"
             % (name, missing, [i.name for i in g.initializer]))
    extra = [i.name for i in g.initializer if i.name not in tparams]

    # Reference in float64 from the same float32 values.
    ref = copy.deepcopy(model).double()
    ref.zero_grad()
    xs = [torch.from_numpy(a).double() for a in inputs]
    t = torch.from_numpy(target).double()
    y = ref(*xs)
    loss = loss_fn(loss_kind, y, t)
    loss.backward()
    rparams = dict(ref.named_parameters())

    desc = {
        "model": name,
        "loss": loss_kind,
        "batch": BATCH,
        "opset": OPSET,
        "ops": ops,
        "inputs": [],
        "target_file": name + ".target.bin",
        "target_shape": list(target.shape),
        "output_name": "y",
        "output_shape": list(y.shape),
        "output_file": name + ".output.bin",
        "loss_value": float(loss.item()),
        "params": [],
    }
    for n_, a in zip(in_names, inputs):
        f = "%s.%s.bin" % (name, n_)
        write_bin(os.path.join(outdir, f), a)
        desc["inputs"].append({"name": n_, "shape": list(a.shape), "file": f})
    write_bin(os.path.join(outdir, desc["target_file"]), target)
    write_bin(os.path.join(outdir, desc["output_file"]), y.detach().numpy())
    for i, pname in enumerate(order):
        p = rparams[pname]
        if p.grad is None:
            fail("%s: parameter %s got no gradient" % (name, pname))
        gf = "%s.grad%d.bin" % (name, i)
        vf = "%s.param%d.bin" % (name, i)
        write_bin(os.path.join(outdir, gf), p.grad.numpy())
        write_bin(os.path.join(outdir, vf), tparams[pname].detach().numpy())
        desc["params"].append({"name": pname, "shape": list(p.shape),
                               "grad_file": gf, "value_file": vf})
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(desc, f, indent=1)
        f.write("\n")

    print("%-20s loss=%-4s L=%.6f params=%d%s" % (
        name, loss_kind, desc["loss_value"], len(order),
        ("  (non-parameter initializers: %s)" % extra) if extra else ""))
    print("    ops: " + " ".join(ops))
    return desc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--only", nargs="*", help="generate only these models")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    torch.set_num_threads(1)
    names = [n for n, _, _ in MODELS]
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            fail("unknown models %s (have %s)" % (unknown, names))
    for name, builder, seed in MODELS:
        if args.only and name not in args.only:
            continue
        generate(args.outdir, name, builder, seed)


if __name__ == "__main__":
    main()
