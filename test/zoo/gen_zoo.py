#!/usr/bin/python3
"""Generate the model-zoo fixtures for pcc: real architectures, as a new user
exports them from PyTorch.

    /usr/bin/python3 test/zoo/gen_zoo.py OUTDIR [--only NAME ...]
    /usr/bin/python3 test/zoo/gen_zoo.py --list

Models (freshly initialised, torch.manual_seed per model, batch 2, eval()):

  resnet18, mobilenet_v2, squeezenet1_1, shufflenet_v2_x0_5
        torchvision 0.14 architectures, num_classes=10, input x [2, 3, 32, 32]
  transformer_post_relu
        x [2, 8, 16] (batch first) -> Linear(16, 32) -> TransformerEncoderLayer(
        d_model 32, nhead 4, dim_feedforward 64, dropout 0, relu, post-norm)
        -> mean over the sequence -> Linear(32, 10)
  transformer_pre_gelu
        the same with activation gelu and norm_first=True (pre-norm)

Every model is exported twice with torch.onnx.export(opset_version=13,
input_names=["x"], output_names=["y"]):

  NAME.eval.onnx      no other argument: what a new user gets.  Batch norm is
                      folded into the convolutions, transposed/sliced weights
                      are folded into new initializers (onnx::Conv_N,
                      onnx::MatMul_N); the torch parameter names mostly do not
                      survive, so only the forward pass and the loss are
                      checked on it.
  NAME.preserve.onnx  training=TrainingMode.PRESERVE, do_constant_folding=False:
                      BatchNormalization kept (inference form), initializers
                      named after the torch parameters.  PyTorch deduplicates
                      initializers with equal values (a fresh BN's weight, its
                      running_var and every other all-ones vector of the same
                      shape are one initializer), and the other names are
                      Identity nodes reading it: a compiler has to untie those
                      to train each parameter separately.

For every model NAME this writes, into OUTDIR:

  NAME.eval.onnx, NAME.preserve.onnx
  NAME.json           the fixture description (below)
  NAME.*.bin          raw little-endian float32 tensors (row-major)

NAME.json:
  {"model": NAME, "loss": "ce", "batch": 2, "opset": 13, "seed": int,
   "inputs": [{"name": "x", "shape", "file"}],
   "target_file", "target_shape", "labels",       # one-hot target, its labels
   "output_name": "y", "output_shape", "output_file",  # torch forward output
   "loss_value": float,                           # L at the forward pass
   "float32_output_rel_diff": float,              # float32 vs float64 forward
   "depth_estimate": int,     # longest chain of compute nodes in the
                              # preserve export (Identity/Constant and shape
                              # arithmetic not counted)
   "exports": {"eval": "NAME.eval.onnx", "preserve": "NAME.preserve.onnx"},
   "onnx": {"eval"|"preserve": {"nodes": int, "op_counts": {op: n},
            "op_types": [sorted], "initializers": int,
            "identity_aliases": int}},  # Identity nodes reading an initializer
   "params": [{"name", "shape", "grad_file", "value_file",
               "preserve": "initializer" | "identity of NAME" | "absent"}]}
                              # torch model.named_parameters() order

L is softmax cross-entropy with the batch mean, F.cross_entropy(y, labels)
(pcc --loss=ce with the one-hot target).  The reference output, loss and
gradients are computed by torch autograd in float64 on a deep copy of the
module (.double(): the same float32 weights and inputs, exactly), in eval
mode, and stored as float32; the float32 forward of the module must agree
with it to 1e-5 relative (max |diff| / max |y|) or generation fails, and so
must onnx.checker.check_model on both exports.  value_file holds the torch
parameter value (float32, what both exports were made from).  File paths in
the json are relative to the json.

Only Debian's python3-torch, python3-torchvision, python3-onnx and numpy are
needed.
"""

import argparse
import collections
import copy
import json
import os
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

OPSET = 13
BATCH = 2
CLASSES = 10
FORWARD_RTOL = 1e-5


# ----------------------------------------------------------------- models

def _vision(ctor):
    def build():
        return ctor(weights=None, num_classes=CLASSES), (3, 32, 32)
    return build


class SmallTransformer(nn.Module):
    """Token features -> embedding -> one encoder layer -> mean -> head."""

    def __init__(self, activation, norm_first):
        super().__init__()
        self.embed = nn.Linear(16, 32)
        self.encoder = nn.TransformerEncoderLayer(
            d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
            activation=activation, batch_first=True, norm_first=norm_first)
        self.head = nn.Linear(32, CLASSES)

    def forward(self, x):                 # x: [B, 8, 16]
        h = self.encoder(self.embed(x))   # [B, 8, 32]
        return self.head(h.mean(dim=1))   # [B, 10]


def transformer_post_relu():
    return SmallTransformer("relu", False), (8, 16)


def transformer_pre_gelu():
    return SmallTransformer("gelu", True), (8, 16)


# name, builder, seed
MODELS = [
    ("resnet18", _vision(torchvision.models.resnet18), 1),
    ("mobilenet_v2", _vision(torchvision.models.mobilenet_v2), 2),
    ("squeezenet1_1", _vision(torchvision.models.squeezenet1_1), 3),
    ("shufflenet_v2_x0_5", _vision(torchvision.models.shufflenet_v2_x0_5), 4),
    ("transformer_post_relu", transformer_post_relu, 5),
    ("transformer_pre_gelu", transformer_pre_gelu, 6),
]

# il's relaxation rate and T values where the default (0.1; T = 10, 100)
# does not suit a model. The transformers' LayerNorm (exported at opset 13
# as ReduceMean/Sub/Pow/Sqrt/Div vertices) divides by a standard deviation
# of about 0.3: its Jacobians make the relaxation stiff, so gamma 0.1
# diverges (NaN by T = 100) and 0.02 still raises the energy; at 0.005 the
# energy falls and the cosine rises (0.34, 0.65, 0.72, 0.75 at T = 10,
# 100, 1000, 3000 for the post-norm layer).
IL_SETTINGS = {
    "transformer_post_relu": {"il_rate": 0.005, "il_steps": [10, 100, 1000]},
    "transformer_pre_gelu": {"il_rate": 0.005, "il_steps": [10, 100, 1000]},
}


# ----------------------------------------------------------------- helpers

class GenError(Exception):
    pass


def write_bin(path, array):
    a = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
    a.tofile(path)


# Nodes that are wiring or shape arithmetic, not counted in the depth.
_WIRING = {"Identity", "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze",
           "Concat", "Reshape", "Transpose", "Flatten", "Slice", "Split",
           "Expand", "Cast", "ConstantOfShape", "Dropout"}


def depth_estimate(graph):
    """Longest chain of input-dependent compute nodes to the output."""
    depth = {i.name: 0 for i in graph.input}
    for node in graph.node:
        ds = [depth[n] for n in node.input if n in depth]
        if not ds:
            continue                    # constant or parameter expression
        w = 0 if node.op_type in _WIRING else 1
        for o in node.output:
            depth[o] = max(ds) + w
    return depth.get(graph.output[0].name, 0)


def summarize(model_proto):
    g = model_proto.graph
    inits = {i.name for i in g.initializer}
    ops = [n.op_type for n in g.node]
    counts = collections.Counter(ops)
    aliases = {n.output[0]: n.input[0] for n in g.node
               if n.op_type == "Identity" and n.input[0] in inits}
    return {"nodes": len(ops),
            "op_counts": dict(sorted(counts.items())),
            "op_types": sorted(counts),
            "initializers": len(g.initializer),
            "identity_aliases": len(aliases)}, aliases


def export(model, x, path, **opts):
    # (not under no_grad: eval-mode nn.TransformerEncoderLayer would take its
    # fused inference fast path, which has no ONNX export)
    torch.onnx.export(model, (x,), path, opset_version=OPSET,
                      input_names=["x"], output_names=["y"], **opts)
    m = onnx.load(path)
    try:
        onnx.checker.check_model(m)
    except onnx.checker.ValidationError as e:
        raise GenError("%s: onnx.checker.check_model failed: %s" % (path, e))
    g = m.graph
    if [i.name for i in g.input] != ["x"] or [o.name for o in g.output] != ["y"]:
        raise GenError("%s: graph inputs %s, outputs %s (want x, y)" % (
            path, [i.name for i in g.input], [o.name for o in g.output]))
    return m


# ------------------------------------------------------------------ generate

def generate(outdir, name, builder, seed):
    t0 = time.time()
    torch.manual_seed(seed)
    model, in_shape = builder()
    model = model.float().eval()
    rng = np.random.RandomState(1000 + seed)
    x = rng.standard_normal((BATCH,) + tuple(in_shape)).astype(np.float32)
    labels = rng.randint(0, CLASSES, size=BATCH)
    target = np.zeros((BATCH, CLASSES), np.float32)
    target[np.arange(BATCH), labels] = 1.0

    # Reference: float64 autograd on a copy, from the same float32 values.
    ref = copy.deepcopy(model).double().eval()
    ref.zero_grad()
    y64 = ref(torch.from_numpy(x).double())
    loss = F.cross_entropy(y64, torch.from_numpy(labels).long())
    loss.backward()
    grads = {k: v.grad for k, v in ref.named_parameters()}
    for k, gv in grads.items():
        if gv is None:
            raise GenError("%s: parameter %s got no gradient" % (name, k))

    # float32 forward (grad mode on, as the reference and the exporter's
    # trace: no inference fast path) must agree with the float64 one.
    y32 = model(torch.from_numpy(x)).detach().double()
    scale = float(y64.detach().abs().max())
    fdiff = float((y32 - y64.detach()).abs().max()) / max(scale, 1e-300)
    if not fdiff <= FORWARD_RTOL:
        raise GenError("%s: float32 forward differs from float64 by %.3g "
                       "relative (> %g)" % (name, fdiff, FORWARD_RTOL))

    exports = {"eval": name + ".eval.onnx", "preserve": name + ".preserve.onnx"}
    xt = torch.from_numpy(x)
    m_eval = export(model, xt, os.path.join(outdir, exports["eval"]))
    m_pres = export(model, xt, os.path.join(outdir, exports["preserve"]),
                    training=torch.onnx.TrainingMode.PRESERVE,
                    do_constant_folding=False)
    s_eval, _ = summarize(m_eval)
    s_pres, aliases = summarize(m_pres)
    if "BatchNorm" in "".join(type(m).__name__ for m in model.modules()) and \
            "BatchNormalization" not in s_pres["op_types"]:
        raise GenError("%s: the preserve export folded BatchNormalization" % name)

    # Where every torch parameter is in the preserve export.
    pinits = {i.name: onnx.numpy_helper.to_array(i)
              for i in m_pres.graph.initializer}
    tparams = list(model.named_parameters())
    where = {}
    for pname, p in tparams:
        src = pname if pname in pinits else aliases.get(pname)
        if src is None or src not in pinits:
            where[pname] = "absent"
            continue
        if not np.array_equal(pinits[src], p.detach().numpy()):
            raise GenError("%s: preserve initializer %s (for %s) differs from "
                           "the torch parameter" % (name, src, pname))
        where[pname] = "initializer" if src == pname else "identity of " + src

    desc = {
        "model": name,
        "loss": "ce",
        "batch": BATCH,
        "opset": OPSET,
        "seed": seed,
        "inputs": [{"name": "x", "shape": list(x.shape), "file": name + ".x.bin"}],
        "target_file": name + ".target.bin",
        "target_shape": list(target.shape),
        "labels": [int(v) for v in labels],
        "output_name": "y",
        "output_shape": list(y64.shape),
        "output_file": name + ".output.bin",
        "loss_value": float(loss.item()),
        "float32_output_rel_diff": fdiff,
        "depth_estimate": depth_estimate(m_pres.graph),
        "exports": exports,
        "onnx": {"eval": s_eval, "preserve": s_pres},
        "params": [],
    }
    desc.update(IL_SETTINGS.get(name, {}))
    write_bin(os.path.join(outdir, desc["inputs"][0]["file"]), x)
    write_bin(os.path.join(outdir, desc["target_file"]), target)
    write_bin(os.path.join(outdir, desc["output_file"]), y64.detach().numpy())
    for i, (pname, p) in enumerate(tparams):
        gf = "%s.grad%d.bin" % (name, i)
        vf = "%s.param%d.bin" % (name, i)
        write_bin(os.path.join(outdir, gf), grads[pname].detach().numpy())
        write_bin(os.path.join(outdir, vf), p.detach().numpy())
        desc["params"].append({"name": pname, "shape": list(p.shape),
                               "grad_file": gf, "value_file": vf,
                               "preserve": where[pname]})
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(desc, f, indent=1)
        f.write("\n")

    nalias = sum(1 for v in where.values() if v.startswith("identity"))
    nabsent = sum(1 for v in where.values() if v == "absent")
    print("%-22s L=%.6f params=%d (%d floats) depth~%d f32/f64 %.2g  %.1fs" % (
        name, desc["loss_value"], len(tparams),
        sum(p.numel() for _, p in tparams), desc["depth_estimate"], fdiff,
        time.time() - t0), flush=True)
    for kind, s in (("eval", s_eval), ("preserve", s_pres)):
        print("    %-8s %4d nodes, %3d initializers, %3d Identity aliases: %s" % (
            kind, s["nodes"], s["initializers"], s["identity_aliases"],
            " ".join("%s:%d" % kv for kv in s["op_counts"].items())))
    if nalias or nabsent:
        print("    preserve: %d torch parameters are Identity aliases of "
              "another initializer, %d absent" % (nalias, nabsent))
    return desc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--only", nargs="*", help="generate only these models")
    ap.add_argument("--list", action="store_true", help="print the model names")
    args = ap.parse_args()
    names = [n for n, _, _ in MODELS]
    if args.list:
        print("\n".join(names))
        return 0
    if not args.outdir:
        ap.error("OUTDIR is required")
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            ap.error("unknown models %s (have %s)" % (unknown, names))
    os.makedirs(args.outdir, exist_ok=True)
    torch.set_num_threads(1)
    t0 = time.time()
    try:
        for name, builder, seed in MODELS:
            if args.only and name not in args.only:
                continue
            generate(args.outdir, name, builder, seed)
    except GenError as e:
        sys.exit("gen_zoo: error: %s" % e)
    print("generated in %.1fs" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
