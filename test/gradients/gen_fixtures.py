#!/usr/bin/python3
"""Generate gradient fixtures for pcc from small PyTorch models.

    /usr/bin/python3 test/gradients/gen_fixtures.py OUTDIR [--only NAME ...]

For every model NAME this writes, into OUTDIR:

  NAME.onnx          the model (opset 13, static batch 8, constant folding on
                     unless the model says otherwise)
  NAME.json          the fixture description (see below)
  NAME.*.bin         raw little-endian float32 tensors (row-major)

NAME.json:
  {"model": NAME, "loss": "ce"|"mse", "batch": 8, "opset": 13,
   "ops": [ONNX op types in node order],
   "inputs":  [{"name", "shape", "file"}],          # graph inputs, in order
   "target_file", "target_shape",                   # one-hot for ce
   "output_name": "y", "output_shape", "output_file",  # forward output
   "loss_value": float,                             # L at the forward pass
   "depth_estimate": int,      # generous estimate of the vertex depth
   "fpa_steps": int,           # T for fpa (gamma 1): >= 50, ~3x the estimate
   "il_trend_steps": [T...],   # T values of the il trend
   "il_trend_skip": reason,    # only where the trend leaves the fixture out
   "il_plateau": float,        # only where il's fixed point is below 0.999
   "il_min_cos": float,        # only where il stays below 0.99 at the last T
   "nudge_max_err": float,     # only where il has not converged at the last T
   "nudge_min_cos": float,     # likewise
   "tol": float,               # exact modes' tolerance, where below 1e-4
   "states": [{"name", "shape", "value_file", "after_step_file"}],
                               # training-mode batch norm's running estimates
   "params": [{"name", "shape", "grad_file", "value_file"}]}
                          # ONNX graph.initializer order

The parameters are what pcc trains: the float initializers, except the
mean and variance inputs of BatchNormalization (compile-time constants).
Mostly they are torch parameters under their own names; a recurrent layer
exported with constant folding becomes W, R, B initializers in ONNX gate
order under generated names (onnx::LSTM_117, ...), and the gradients are
then those of these arrays.

L is the batch mean of the per-sample loss: ce = F.cross_entropy(y, labels)
(softmax cross-entropy, mean reduction), mse = 0.5*((y-t)**2).sum(1).mean().
The reference output, loss and gradients are computed in float64 from the
exact float32 weights and inputs the ONNX file holds, twice: by torch
autograd on the module (gradients of W/R/B arrays by the same gate
permutation the exporter applies) and by autograd through an evaluation of
the exported ONNX graph itself (OnnxEval below); the two must agree (rel
1e-7) or generation fails.  The module's gradients are written for torch
parameters, the ONNX evaluation's for W/R/B arrays; all as float32.  File
paths in the json are relative to the json.

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
    # convolutional fixtures
    "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Pad",
    "BatchNormalization",
    # recurrent fixtures: the nodes and PyTorch's shape arithmetic around them
    "RNN", "GRU", "LSTM", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat",
    "Expand", "Slice",
    # the real-models operators
    "LayerNormalization", "Erf", "HardSwish", "HardSigmoid", "Max", "Min",
    "Where", "ReduceMax", "ReduceMean", "Resize", "Cast",
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


class Cnn(nn.Module):
    """Conv (pad 1), ReLU, MaxPool, a grouped dilated Conv, AvgPool with
    padding counted in the average (exported as Pad + AveragePool),
    Flatten, Gemm."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(2, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2)
        self.fc = nn.Linear(6 * 3 * 3, 5)

    def forward(self, x):                                # x: [8, 2, 8, 8]
        h = F.max_pool2d(torch.relu(self.c1(x)), 2)      # [8, 4, 4, 4]
        h = torch.relu(self.c2(h))                       # [8, 6, 4, 4]
        h = F.avg_pool2d(h, 2, stride=2, padding=1)      # [8, 6, 3, 3]
        return self.fc(torch.flatten(h, 1))


def cnn():
    return Cnn(), [(2, 8, 8)], "ce", 5


def randomize_batch_norms(*bns):
    """Non-trivial scale, shift and running statistics (a fresh batch norm's
    are ones and zeros)."""
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.3)
            bn.running_mean.normal_(0.0, 0.5)
            bn.running_var.uniform_(0.5, 2.0)


class CnnBn(nn.Module):
    """Strided Conv, BatchNormalization (inference form, non-trivial running
    statistics), MaxPool with -inf padding after a Tanh, AveragePool with
    pads not counted (count_include_pad=0), GlobalAveragePool."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.c2 = nn.Conv2d(4, 6, 2)
        self.bn2 = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6, 3)
        randomize_batch_norms(self.bn1, self.bn2)

    def forward(self, x):                                # x: [8, 3, 6, 6]
        h = torch.tanh(self.bn1(self.c1(x)))             # [8, 4, 3, 3]
        h = F.max_pool2d(h, 3, stride=1, padding=1)      # [8, 4, 3, 3]
        h = torch.relu(self.bn2(self.c2(h)))             # [8, 6, 2, 2]
        h = F.avg_pool2d(h, 2, stride=1, padding=1,
                         count_include_pad=False)        # [8, 6, 3, 3]
        h = F.adaptive_avg_pool2d(h, 1)                  # [8, 6, 1, 1]
        return self.fc(torch.flatten(h, 1))


def cnn_bn():
    # PRESERVE keeps the BatchNormalization node: the eval-mode export
    # (TrainingMode.EVAL, the default for a module in eval mode) folds it
    # into the Conv's weight and bias, constant folding or not.
    return CnnBn(), [(3, 6, 6)], "mse", 3, {
        "training": torch.onnx.TrainingMode.PRESERVE}


class ManyToOne(nn.Module):
    """nn.RNN / nn.GRU / nn.LSTM (batch_first, zero initial state), the last
    time step's output, Linear.  PyTorch exports the recurrent node between
    Transposes (layout 0), builds the zero initial state with a Constant
    and Shape/Gather/Unsqueeze/Concat/Expand, squeezes the direction axis
    of Y and takes the last step with Gather(-1)."""

    def __init__(self, kind, inp, hidden, out):
        super().__init__()
        self.rnn = getattr(nn, kind)(inp, hidden, batch_first=True)
        self.out = nn.Linear(hidden, out)

    def forward(self, x):                                # x: [8, seq, inp]
        y, _ = self.rnn(x)
        return self.out(y[:, -1])


def rnn():
    return ManyToOne("RNN", 3, 8, 4), [(5, 3)], "ce", 4


def gru():
    return ManyToOne("GRU", 3, 6, 3), [(4, 3)], "mse", 3


def lstm():
    return ManyToOne("LSTM", 4, 6, 4), [(4, 4)], "ce", 4


class LstmState(nn.Module):
    """nn.LSTM with initial states computed from a second input (so the
    gradient flows into them), the final states Y_h and Y_c concatenated
    into a Linear.  Exported without constant folding: W, R and B are then
    Slice/Concat/Unsqueeze expressions of the torch parameters, which keep
    their names."""

    def __init__(self):
        super().__init__()
        self.h0 = nn.Linear(4, 5)
        self.c0 = nn.Linear(4, 5)
        self.rnn = nn.LSTM(3, 5, batch_first=True)
        self.out = nn.Linear(10, 3)

    def forward(self, x, z):                             # [8, 3, 3], [8, 4]
        h0 = torch.tanh(self.h0(z)).unsqueeze(0)
        c0 = self.c0(z).unsqueeze(0)
        _, (h, c) = self.rnn(x, (h0, c0))
        return self.out(torch.cat([h[0], c[0]], dim=1))


def lstm_mse():
    return LstmState(), [(3, 3), (4,)], "mse", 3, {"do_constant_folding": False}


def deep6_ce():
    """6 layers, 17 vertices deep (each Gemm a matmul and a bias add): the
    depth at which the exact modes lost precision when value nodes were
    stored as mu + eps."""
    dims, acts = [20, 32, 32, 24, 24, 16, 6], [nn.Tanh, nn.ReLU, nn.Sigmoid,
                                                nn.Tanh, nn.ReLU]
    layers = []
    for i in range(6):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < 5:
            layers.append(acts[i]())
    return nn.Sequential(*layers), [(20,)], "ce", 6, {"tol": 1e-5}


def deep32_tanh():
    """32 tanh layers of width 16 (95 vertices deep)."""
    layers = [nn.Linear(12, 16), nn.Tanh()]
    for _ in range(30):
        layers += [nn.Linear(16, 16), nn.Tanh()]
    layers.append(nn.Linear(16, 4))
    return nn.Sequential(*layers), [(12,)], "mse", 4, {"tol": 1e-4}


class NewOps(nn.Module):
    """A small attention block with the real-models operators, exported at
    opset 17: LayerNormalization (two, whose equal initial weights and
    biases PyTorch aliases through Identity nodes), batched MatMul, a
    constant causal mask (Where), Softmax on the last axis, GELU (Erf),
    HardSwish, HardSigmoid, elementwise Max and Min, ReduceMax (amax) and
    ReduceMean."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(6, 8)
        self.norm1 = nn.LayerNorm(8)
        self.q = nn.Linear(8, 8)
        self.k = nn.Linear(8, 8, bias=False)  # softmax ignores its bias
        self.v = nn.Linear(8, 8)
        self.norm2 = nn.LayerNorm(8)
        self.ff = nn.Linear(8, 8)
        self.head = nn.Linear(8, 4)
        self.register_buffer("mask", torch.triu(torch.ones(5, 5, dtype=torch.bool), 1))

    def forward(self, x):                                # x: [8, 5, 6]
        h = self.norm1(self.embed(x))
        s = self.q(h) @ self.k(h).transpose(1, 2) / 8 ** 0.5
        s = s.masked_fill(self.mask, -1e4)
        h = h + torch.softmax(s, -1) @ self.v(h)
        g = F.gelu(self.ff(self.norm2(h)))
        g = torch.maximum(F.hardswish(g), F.hardsigmoid(h)) + torch.minimum(g, h)
        return self.head(torch.amax(g, dim=1) + g.mean(1))


def new_ops():
    return NewOps(), [(5, 6)], "ce", 4, {"opset_version": 17,
                                         "do_constant_folding": False}


class CnnTrainBn(nn.Module):
    """BatchNormalization in training mode (batch statistics; the running
    estimates are the library's state), nearest and bilinear 2x Resize
    (F.interpolate), GlobalAveragePool."""

    def __init__(self):
        super().__init__()
        # no conv biases: batch statistics cancel them (zero gradient)
        self.c1 = nn.Conv2d(2, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.c2 = nn.Conv2d(4, 3, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3, 5)
        randomize_batch_norms(self.bn1, self.bn2)

    def forward(self, x):                                # x: [8, 2, 4, 4]
        h = torch.relu(self.bn1(self.c1(x)))
        h = F.interpolate(h, scale_factor=2)             # [8, 4, 8, 8]
        h = self.bn2(self.c2(h))
        h = F.interpolate(h, scale_factor=2, mode="bilinear",
                          align_corners=False)           # [8, 3, 16, 16]
        return self.fc(F.adaptive_avg_pool2d(torch.tanh(h), 1).flatten(1))


def cnn_train_bn():
    return CnnTrainBn(), [(2, 4, 4)], "ce", 5, {
        "training": torch.onnx.TrainingMode.TRAINING,
        "do_constant_folding": False, "train_mode": True}


MODELS = [
    ("mlp_ce", mlp_ce, 1),
    ("mlp_mse_tanh", mlp_mse_tanh, 2),
    ("branch", branch, 3),
    ("softmax_mse", softmax_mse, 4),
    ("reshape_logsoftmax", reshape_logsoftmax, 5),
    ("two_input", two_input, 6),
    ("shared_weight", shared_weight, 7),
    ("cnn", cnn, 8),
    ("cnn_bn", cnn_bn, 9),
    ("rnn", rnn, 10),
    ("gru", gru, 11),
    ("lstm", lstm, 12),
    ("lstm_mse", lstm_mse, 13),
    ("deep6_ce", deep6_ce, 14),
    ("deep32_tanh", deep32_tanh, 15),
    ("new_ops", new_ops, 16),
    ("cnn_train_bn", cnn_train_bn, 17),
]

# The T values of the il trend (check_gradients.py --il-trend), per fixture;
# (T values, reason) leaves a fixture out of the trend, with the reason.
# il relaxes with gamma = 0.1 and needs a time that grows with the depth
# (like depth^2 / gamma on a chain), so the deeper graphs get a longer
# list; the check's bounds stay the same.  Comments: pcc's cosines with
# backprop at T=10000 (data movement as wiring, not vertices).
IL_TREND_DEFAULT = [10, 30, 100, 300, 1000]
IL_TREND_LONG = [10, 100, 1000, 3000, 10000]
IL_TREND = {
    "cnn_bn": IL_TREND_LONG,        # 0.99993
    "rnn": IL_TREND_LONG,           # 0.99900
    "gru": IL_TREND_LONG,           # 0.99804
    "lstm": IL_TREND_LONG,          # 0.99955
    "lstm_mse": IL_TREND_LONG,      # 0.99816
    "deep6_ce": IL_TREND_LONG,      # 0.99969
    "new_ops": IL_TREND_LONG,       # 0.99456
    "cnn_train_bn": IL_TREND_LONG,  # 0.52886
    "deep32_tanh": (IL_TREND_LONG,
                    "95 vertices deep: il at gamma 0.1 needs far more than "
                    "10^4 steps (~depth^2/gamma); bp, fpa and zil check this "
                    "graph exactly (the precision case)."),
}
# il matches backprop only to first order: where its equilibrium lies at or
# below the check's default plateau (0.999), float-level wobble at
# convergence (a few 1e-6 either way between T=3000 and T=10000) would fail
# the non-decreasing rule, so the plateau is set just under the fixed point
# (the cosine bound > 0.99 still applies).
IL_PLATEAU = {
    "rnn": 0.9985,
    "gru": 0.9975,
}
# The cosine il must reach at the last T where it is not > 0.99 (measured,
# with the reason); the trend must still not decrease.
IL_MIN_COS = {
    # Batch statistics couple the samples and make the relaxation stiff
    # (gamma 0.5 diverges); at gamma 0.1 the cosine rises slowly: 0.234,
    # 0.267, 0.343, 0.436, 0.529 at T = 10 ... 10000. The same graph with
    # inference-form batch norm reaches 0.9998.
    "cnn_train_bn": 0.5,
}
# The centered nudge's bounds (check_gradients.py --nudge-check; defaults:
# relative error 0.05 at beta 0.1, cosine 0.999 at beta 0.01) where il
# itself has not converged at the last T (measured at T = 10000: relative
# error none 0.164, positive 0.124, centered 0.121 at beta 0.1; cosine
# 0.9652 at beta 0.01).
NUDGE_BOUNDS = {
    "cnn_train_bn": {"nudge_max_err": 0.15, "nudge_min_cos": 0.96},
}


# ------------------------------------------------------ ONNX evaluator
#
# An independent float64 reading of the exported graph: it walks the ONNX
# nodes with torch ops, so the reference gradients can be taken with
# respect to the ONNX initializers themselves (which for a recurrent layer
# exported with constant folding are not torch parameters: PyTorch stores
# W, R, B re-ordered into ONNX gate order under generated names).  Every
# fixture runs it and checks it against the torch module's forward output
# and gradients.

class OnnxEval:
    """Evaluates an ONNX graph (the ops the fixtures use) in torch."""

    RECURRENT_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
    DEFAULT_ACTIVATIONS = {"RNN": ["tanh"], "GRU": ["sigmoid", "tanh"],
                           "LSTM": ["sigmoid", "tanh", "tanh"]}

    def __init__(self, model):
        self.graph = model.graph
        self.opset = next(i.version for i in model.opset_import
                          if i.domain in ("", "ai.onnx"))

    @staticmethod
    def attrs(node):
        out = {}
        for a in node.attribute:
            v = onnx.helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode()
            elif isinstance(v, list):
                v = [x.decode() if isinstance(x, bytes) else x for x in v]
            out[a.name] = v
        return out

    @staticmethod
    def tensor(array):
        t = torch.from_numpy(np.array(array))
        return t.double() if t.is_floating_point() else t.long()

    def run(self, feeds):
        """feeds: name -> torch tensor (graph inputs and initializers).
        Returns the dict of every value computed."""
        env = dict(feeds)
        for node in self.graph.node:
            if node.output and all(o in feeds for o in node.output):
                continue                 # fed (an untied Identity alias)
            args = [env[n] if n else None for n in node.input]
            outs = self.eval_node(node, args, self.attrs(node))
            for name, value in zip(node.output, outs):
                if name:
                    env[name] = value
        return env

    # ---------------------------------------------------------------- ops

    def eval_node(self, node, x, a):
        op = node.op_type
        unary = {"Neg": torch.neg, "Relu": torch.relu, "Sigmoid": torch.sigmoid,
                 "Tanh": torch.tanh, "Exp": torch.exp, "Log": torch.log,
                 "Identity": lambda t: t}
        binary = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul,
                  "Div": torch.div}
        if op in unary:
            return [unary[op](x[0])]
        if op in binary:
            return [binary[op](x[0], x[1])]
        if op == "Constant":
            (key, value), = a.items()
            if key != "value":
                raise NotImplementedError("Constant %s" % key)
            return [self.tensor(onnx.numpy_helper.to_array(value))]
        if op == "LeakyRelu":
            return [F.leaky_relu(x[0], a.get("alpha", 0.01))]
        if op in ("Softmax", "LogSoftmax"):
            axis = a.get("axis", -1 if self.opset >= 13 else 1)
            if self.opset < 13:
                raise NotImplementedError("%s before opset 13" % op)
            f = torch.softmax if op == "Softmax" else torch.log_softmax
            return [f(x[0], axis)]
        if op == "Gemm":
            A = x[0].t() if a.get("transA", 0) else x[0]
            B = x[1].t() if a.get("transB", 0) else x[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(x) > 2 and x[2] is not None:
                y = y + a.get("beta", 1.0) * x[2]
            return [y]
        if op == "MatMul":
            return [torch.matmul(x[0], x[1])]
        if op == "Flatten":
            axis = a.get("axis", 1) % max(x[0].dim(), 1)
            return [x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)]
        if op == "Reshape":
            shape = [int(d) for d in x[1]]
            if a.get("allowzero", 0):
                raise NotImplementedError("Reshape allowzero")
            shape = [x[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
            return [x[0].reshape(shape)]
        if op == "Transpose":
            perm = a.get("perm", list(reversed(range(x[0].dim()))))
            return [x[0].permute(*perm)]
        if op == "Shape":
            if "start" in a or "end" in a:
                raise NotImplementedError("Shape start/end")
            return [torch.tensor(list(x[0].shape), dtype=torch.long)]
        if op == "Gather":
            axis = a.get("axis", 0) % x[0].dim()
            idx = x[1].long()
            idx = torch.where(idx < 0, idx + x[0].shape[axis], idx)
            y = x[0].index_select(axis, idx.reshape(-1))
            return [y.reshape(x[0].shape[:axis] + idx.shape
                              + x[0].shape[axis + 1:])]
        if op == "Unsqueeze":
            axes = [int(v) for v in x[1]] if self.opset >= 13 else a["axes"]
            rank = x[0].dim() + len(axes)
            y = x[0]
            for ax in sorted(v % rank for v in axes):
                y = y.unsqueeze(ax)
            return [y]
        if op == "Squeeze":
            axes = ([int(v) for v in x[1]] if len(x) > 1 and x[1] is not None
                    else a.get("axes"))
            if axes is None:
                axes = [i for i, d in enumerate(x[0].shape) if d == 1]
            keep = [d for i, d in enumerate(x[0].shape)
                    if i not in {v % x[0].dim() for v in axes}]
            return [x[0].reshape(keep)]
        if op == "Concat":
            return [torch.cat(x, a["axis"])]
        if op == "Expand":
            shape = torch.broadcast_shapes(x[0].shape, tuple(int(d) for d in x[1]))
            return [x[0].expand(shape)]
        if op == "ConstantOfShape":
            v = a.get("value")
            v = (onnx.numpy_helper.to_array(v).reshape(-1) if v is not None
                 else np.zeros(1, np.float32))
            return [self.tensor(v).reshape(()).expand(
                [int(d) for d in x[0]]).clone()]
        if op == "Slice":
            data = x[0]
            starts, ends = [int(v) for v in x[1]], [int(v) for v in x[2]]
            axes = ([int(v) for v in x[3]] if len(x) > 3 and x[3] is not None
                    else list(range(len(starts))))
            steps = ([int(v) for v in x[4]] if len(x) > 4 and x[4] is not None
                     else [1] * len(starts))
            index = [slice(None)] * data.dim()
            for s0, e0, ax, st in zip(starts, ends, axes, steps):
                if st <= 0:
                    raise NotImplementedError("Slice step %d" % st)
                n = data.shape[ax]
                s0 = min(max(s0 + n if s0 < 0 else s0, 0), n)
                e0 = min(max(e0 + n if e0 < 0 else e0, 0), n)
                index[ax % data.dim()] = slice(s0, e0, st)
            return [data[tuple(index)]]
        if op == "Pad":
            if a.get("mode", "constant") != "constant":
                raise NotImplementedError("Pad mode %s" % a["mode"])
            pads = [int(v) for v in x[1]]
            value = (float(x[2]) if len(x) > 2 and x[2] is not None else 0.0)
            r = x[0].dim()
            torch_pads = []
            for d in reversed(range(r)):
                torch_pads += [pads[d], pads[d + r]]
            return [F.pad(x[0], torch_pads, value=value)]
        if op == "Conv":
            return [self.conv(x, a)]
        if op in ("MaxPool", "AveragePool"):
            return self.pool(op, x[0], a)
        if op == "GlobalAveragePool":
            return [x[0].mean(dim=tuple(range(2, x[0].dim())), keepdim=True)]
        if op == "BatchNormalization":
            X, scale, bias, mean, var = x
            shape = [1, -1] + [1] * (X.dim() - 2)
            training = (a.get("training_mode", 0) if self.opset >= 14
                        else any(node.output[1:]))
            if training:   # batch statistics (biased variance)
                dims = [0] + list(range(2, X.dim()))
                bm = X.mean(dims)
                bv = ((X - bm.reshape(shape)) ** 2).mean(dims)
                mom = a.get("momentum", 0.9)
                inv = torch.rsqrt(bv + a.get("epsilon", 1e-5))
                y = ((X - bm.reshape(shape)) * (scale * inv).reshape(shape)
                     + bias.reshape(shape))
                return [y, mean * mom + bm * (1 - mom), var * mom + bv * (1 - mom)]
            inv = torch.rsqrt(var + a.get("epsilon", 1e-5))
            return [(X - mean.reshape(shape)) * (scale * inv).reshape(shape)
                    + bias.reshape(shape)]
        if op == "Cast":
            to = a["to"]
            if to == onnx.TensorProto.BOOL:
                return [x[0] != 0]
            if to in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
                return [x[0].double()]
            return [x[0].long()]
        if op == "Erf":
            return [torch.erf(x[0])]
        if op == "HardSigmoid":
            return [torch.clamp(a.get("alpha", 0.2) * x[0] + a.get("beta", 0.5),
                                0.0, 1.0)]
        if op == "HardSwish":
            return [x[0] * torch.clamp(x[0] / 6.0 + 0.5, 0.0, 1.0)]
        if op in ("Max", "Min"):
            f = torch.maximum if op == "Max" else torch.minimum
            y = x[0]
            for t in x[1:]:
                y = f(y, t)
            return [y]
        if op == "Where":
            return [torch.where(x[0].bool(), x[1], x[2])]
        if op in ("ReduceMax", "ReduceMean"):
            if self.opset >= 18:
                raise NotImplementedError("%s axes input" % op)
            axes = tuple(v % x[0].dim() for v in a.get("axes", range(x[0].dim())))
            keep = bool(a.get("keepdims", 1))
            if op == "ReduceMax":
                return [torch.amax(x[0], axes, keepdim=keep)]
            return [x[0].mean(axes, keepdim=keep)]
        if op == "LayerNormalization":
            axis = a.get("axis", -1) % x[0].dim()
            shape = x[0].shape[axis:]
            bias = x[2] if len(x) > 2 and x[2] is not None else None
            return [F.layer_norm(x[0], shape, x[1], bias, a.get("epsilon", 1e-5))]
        if op == "Resize":
            return [self.resize(x, a)]
        if op in self.RECURRENT_GATES:
            return self.recurrent(op, x, a)
        raise NotImplementedError("op %s" % op)

    def resize(self, x, a):
        """Resize (opset 11 on) as one interpolation matrix per dimension."""
        X = x[0]
        if x[2] is None or x[2].numel() == 0:
            raise NotImplementedError("Resize by sizes")
        scales = [float(v) for v in x[2]]
        mode = a.get("mode", "nearest")
        coords = a.get("coordinate_transformation_mode", "half_pixel")
        if (mode, coords) not in (("nearest", "asymmetric"),
                                  ("linear", "half_pixel")):
            raise NotImplementedError("Resize %s %s" % (mode, coords))
        if mode == "nearest" and a.get("nearest_mode") != "floor":
            raise NotImplementedError("Resize nearest_mode")
        y = X
        for d, sc in enumerate(scales):
            n_in = X.shape[d]
            n_out = int(np.floor(n_in * sc))
            if sc == 1.0 and n_out == n_in:
                continue
            M = torch.zeros(n_out, n_in, dtype=X.dtype)
            for o in range(n_out):
                if mode == "nearest":
                    M[o, min(int(np.floor(o / sc)), n_in - 1)] = 1.0
                    continue
                src = (o + 0.5) / sc - 0.5
                lo = int(np.floor(src))
                w = src - lo
                M[o, min(max(lo, 0), n_in - 1)] += 1.0 - w
                M[o, min(max(lo + 1, 0), n_in - 1)] += w
            y = torch.movedim(torch.tensordot(M, y, dims=([1], [d])), 0, d)
        return y

    @staticmethod
    def _spatial_pads(a, nsp):
        if a.get("auto_pad", "NOTSET") != "NOTSET":
            raise NotImplementedError("auto_pad")
        pads = a.get("pads", [0] * (2 * nsp))
        return [(pads[i], pads[i + nsp]) for i in range(nsp)]

    def conv(self, x, a):
        X, W = x[0], x[1]
        nsp = X.dim() - 2
        if nsp not in (1, 2, 3):
            raise NotImplementedError("Conv rank %d" % X.dim())
        pads = self._spatial_pads(a, nsp)
        X = F.pad(X, [p for pair in reversed(pads) for p in pair])
        f = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nsp]
        return f(X, W, x[2] if len(x) > 2 else None,
                 stride=a.get("strides", [1] * nsp),
                 dilation=a.get("dilations", [1] * nsp),
                 groups=a.get("group", 1))

    def pool(self, op, X, a):
        nsp = X.dim() - 2
        if nsp != 2 or a.get("ceil_mode", 0) or len(a.get("dilations", [1, 1])) != 2 \
                or a.get("dilations", [1, 1]) != [1, 1]:
            raise NotImplementedError("%s variant" % op)
        k, st = a["kernel_shape"], a.get("strides", [1, 1])
        pads = self._spatial_pads(a, nsp)
        flat = [p for pair in reversed(pads) for p in pair]
        if op == "MaxPool":
            return [F.max_pool2d(F.pad(X, flat, value=float("-inf")), k, st)]
        s = F.avg_pool2d(F.pad(X, flat), k, st, divisor_override=1)
        if a.get("count_include_pad", 0):
            return [s / float(np.prod(k))]
        n = F.avg_pool2d(F.pad(torch.ones_like(X[:1, :1]), flat), k, st,
                         divisor_override=1)
        return [s / n]

    def recurrent(self, op, x, a):
        """ONNX RNN / GRU / LSTM, forward direction, default activations."""
        G = self.RECURRENT_GATES[op]
        X, W, R = x[0], x[1], x[2]
        get = lambda i: x[i] if len(x) > i and x[i] is not None else None
        B, seq_lens, h0 = get(3), get(4), get(5)
        c0, peep = get(6), get(7)
        if a.get("direction", "forward") != "forward" or seq_lens is not None \
                or peep is not None or "clip" in a or a.get("input_forget", 0) \
                or "activation_alpha" in a or "activation_beta" in a:
            raise NotImplementedError("%s variant" % op)
        acts = [s.lower() for s in a.get("activations",
                                         self.DEFAULT_ACTIVATIONS[op])]
        if acts != self.DEFAULT_ACTIVATIONS[op]:
            raise NotImplementedError("%s activations %s" % (op, acts))
        H = a["hidden_size"]
        layout = a.get("layout", 0)
        if layout:                      # [B, T, I] -> [T, B, I]; [B, D, H]
            X = X.transpose(0, 1)
            h0 = None if h0 is None else h0.transpose(0, 1)
            c0 = None if c0 is None else c0.transpose(0, 1)
        T, N = X.shape[0], X.shape[1]
        W0, R0 = W[0], R[0]
        B0 = B[0] if B is not None else X.new_zeros(2 * G * H)
        Wb, Rb = B0[:G * H], B0[G * H:]
        h = h0[0] if h0 is not None else X.new_zeros(N, H)
        c = c0[0] if c0 is not None else X.new_zeros(N, H)
        ys = []
        for t in range(T):
            gx = X[t] @ W0.t() + Wb
            if op == "RNN":
                h = torch.tanh(gx + h @ R0.t() + Rb)
            elif op == "LSTM":
                i, o, f, g = (gx + h @ R0.t() + Rb).split(H, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:                                           # GRU: z, r, h
                xz, xr, xh = gx.split(H, dim=1)
                Rz, Rr, Rh = R0.split(H, dim=0)
                bz, br, bh = Rb.split(H)
                z = torch.sigmoid(xz + h @ Rz.t() + bz)
                r = torch.sigmoid(xr + h @ Rr.t() + br)
                if a.get("linear_before_reset", 0):
                    n = torch.tanh(xh + r * (h @ Rh.t() + bh))
                else:
                    n = torch.tanh(xh + (r * h) @ Rh.t() + bh)
                h = (1.0 - z) * n + z * h
            ys.append(h)
        Y = torch.stack(ys).unsqueeze(1)                    # [T, 1, B, H]
        Yh, Yc = h.unsqueeze(0), c.unsqueeze(0)
        if layout:
            Y, Yh, Yc = Y.permute(2, 0, 1, 3), Yh.transpose(0, 1), Yc.transpose(0, 1)
        return [Y, Yh, Yc] if op == "LSTM" else [Y, Yh]


# ------------------------------------------ recurrent initializers in torch

# ONNX gate order from PyTorch's: LSTM (i, f, g, o) -> (i, o, f, c),
# GRU (r, z, n) -> (z, r, h).
_GATE_PERM = {nn.RNN: [0], nn.GRU: [1, 0, 2], nn.LSTM: [0, 3, 1, 2]}


def recurrent_initializers(model):
    """For every single-layer unidirectional nn.RNN/GRU/LSTM of `model`:
    [(torch param names, fn)], fn maps those tensors (parameters or their
    gradients) to the ONNX W, R or B array.  The maps are permutations, so
    they carry torch gradients into gradients of the ONNX arrays."""
    out = []
    for mname, mod in model.named_modules():
        kind = type(mod)
        if kind not in _GATE_PERM:
            continue
        if mod.num_layers != 1 or mod.bidirectional or not mod.bias \
                or getattr(mod, "proj_size", 0):
            fail("only single-layer unidirectional recurrent layers with bias")
        perm = _GATE_PERM[kind]

        def reorder(t, perm=perm):
            blocks = t.chunk(len(perm), dim=0)
            return torch.cat([blocks[k] for k in perm], dim=0)

        pre = mname + "." if mname else ""
        names = {k: pre + k + "_l0" for k in
                 ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        out.append(([names["weight_ih"]], lambda w, r=reorder: r(w)[None]))
        out.append(([names["weight_hh"]], lambda w, r=reorder: r(w)[None]))
        out.append(([names["bias_ih"], names["bias_hh"]],
                    lambda bi, bh, r=reorder: torch.cat([r(bi), r(bh)])[None]))
    return out


# ------------------------------------------------------- depth estimate

# Vertices along the longest path that one step of an unrolled recurrent
# node adds, counted generously (an LSTM step is about 8-9 elementwise and
# matmul vertices from h[t-1] to h[t]: matmul, add, gate slice,
# activation, mul, add, tanh, mul).
_STEP_DEPTH = {"RNN": 6, "GRU": 12, "LSTM": 12}
_NODE_DEPTH = {"Conv": 2, "Gemm": 2, "BatchNormalization": 2}


def depth_estimate(graph, input_names, values):
    """Longest chain of input-dependent nodes, recurrent nodes unrolled
    (`values`: the evaluated graph, for the sequence lengths)."""
    depth = {n: 0 for n in input_names}
    for node in graph.node:
        ds = [depth[n] for n in node.input if n in depth]
        if not ds:
            continue                    # constant or parameter expression
        w = _NODE_DEPTH.get(node.op_type, 1)
        if node.op_type in _STEP_DEPTH:
            layout = OnnxEval.attrs(node).get("layout", 0)
            seq = values[node.input[0]].shape[1 if layout else 0]
            w = seq * _STEP_DEPTH[node.op_type]
        for o in node.output:
            depth[o] = max(ds) + w
    return depth[graph.output[0].name]


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


def rel_diff(a, b):
    a, b = a.detach().double(), b.detach().double()
    return float((a - b).norm() / max(float(b.norm()), 1e-300))


def build_case(name, builder, seed):
    """The module (float32, in the mode the fixture uses), its inputs, the
    target, the loss kind and the export options of fixture `name`; the
    same values every time (seeded). Shared with test/python."""
    torch.manual_seed(seed)
    built = builder()
    model, in_shapes, loss_kind, classes = built[:4]
    export_opts = dict(do_constant_folding=True)
    export_opts.update(built[4] if len(built) > 4 else {})
    # Training-mode batch norm: export, loss and gradients with batch
    # statistics; pcc_predict uses the running estimates (eval mode).
    model = model.float().eval()
    if export_opts.get("train_mode"):
        model.train()
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
    return model, inputs, target, loss_kind, export_opts


def generate(outdir, name, builder, seed):
    model, inputs, target, loss_kind, export_opts = build_case(
        name, builder, seed)
    opset = export_opts.pop("opset_version", OPSET)
    tol = export_opts.pop("tol", None)
    train_mode = export_opts.pop("train_mode", False)

    in_names = ["x"] if len(inputs) == 1 else ["x%d" % i for i in range(len(inputs))]
    onnx_path = os.path.join(outdir, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(
            model, tuple(torch.from_numpy(a) for a in inputs), onnx_path,
            opset_version=opset, input_names=in_names, output_names=["y"],
            export_params=True, **export_opts)

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
    if "training" in export_opts and "BatchNormalization" not in ops:
        fail("%s: the export folded the BatchNormalization away" % name)

    # The parameters are what pcc trains: the float initializers, except
    # the mean and variance of BatchNormalization (compile-time constants,
    # or state in training mode). PyTorch aliases initializers of equal
    # value through Identity nodes; pcc makes each alias a tensor of its own
    # (named by the alias), listed right after its initializer, and drops an
    # initializer read only through aliases.
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in g.initializer}
    alias_of, aliases = {}, {}
    for n in g.node:
        if n.op_type == "Identity" and (n.input[0] in inits or
                                        n.input[0] in alias_of):
            src = alias_of.get(n.input[0], n.input[0])
            alias_of[n.output[0]] = src
            aliases.setdefault(src, []).append(n.output[0])
    for a_, src in alias_of.items():
        inits[a_] = inits[src]
    bn_nodes = [n for n in g.node if n.op_type == "BatchNormalization"]
    bn_stats = {n.input[k] for n in bn_nodes for k in (3, 4)
                if n.input[k] in inits}
    used = {n_ for node in g.node if node.output[0] not in alias_of
            for n_ in node.input}
    order = []
    for i in g.initializer:
        for p_ in [i.name] + aliases.get(i.name, []):
            if (inits[p_].dtype == np.float32 and p_ not in bn_stats
                    and p_ in used):
                order.append(p_)
    states = []
    if train_mode:
        states = [(n, k) for n in bn_nodes for k in (3, 4)]

    # How each parameter relates to the torch model: a torch parameter of
    # the same name, or a recurrent W/R/B array PyTorch derived from some.
    tparams = dict(model.named_parameters())
    tbuffers = dict(model.named_buffers())
    derived = {}                        # ONNX name -> (torch names, fn)
    candidates = recurrent_initializers(model)
    for pname in order:
        arr = inits[pname]
        if pname in tparams:
            want = tparams[pname].detach().numpy()
            if arr.shape != want.shape or not np.array_equal(arr, want):
                fail("%s: initializer %s differs from the torch parameter"
                     % (name, pname))
            continue
        for tnames, fn in candidates:
            with torch.no_grad():
                want = fn(*[tparams[t] for t in tnames]).numpy()
            if want.shape == arr.shape and np.array_equal(want, arr):
                derived[pname] = (tnames, fn)
                break
        else:
            fail("%s: parameter initializer %s matches no torch parameter"
                 % (name, pname))
    for s_ in sorted(bn_stats):
        if s_ not in tbuffers or not np.array_equal(
                inits[s_], tbuffers[s_].detach().numpy()):
            fail("%s: BatchNormalization statistic %s differs from the torch "
                 "buffer" % (name, s_))
    covered = set(order) | {t for tn, _ in derived.values() for t in tn}
    missing = sorted(set(tparams) - covered)
    if missing:
        fail("%s: torch parameters missing from the ONNX initializers "
             "(renamed or folded by the exporter): %s; initializers: %s"
             % (name, missing, [i.name for i in g.initializer]))
    extra = [i.name for i in g.initializer if i.name not in order]
    if aliases:
        print("    untied Identity aliases: " + ", ".join(
            "%s <- %s" % (a_, src) for a_, src in alias_of.items()))

    # Reference 1: torch autograd of the module, in float64 from the same
    # float32 values; gradients of derived arrays by the same permutation.
    ref = copy.deepcopy(model).double()
    ref.zero_grad()
    xs = [torch.from_numpy(a).double() for a in inputs]
    t = torch.from_numpy(target).double()
    y = ref(*xs)
    loss = loss_fn(loss_kind, y, t)
    loss.backward()
    rgrads = {k: v.grad for k, v in ref.named_parameters()}
    module_grads = {}
    for pname in order:
        if pname in derived:
            tnames, fn = derived[pname]
            if any(rgrads[t_] is None for t_ in tnames):
                fail("%s: parameter %s got no gradient" % (name, pname))
            module_grads[pname] = fn(*[rgrads[t_] for t_ in tnames])
        else:
            if rgrads[pname] is None:
                fail("%s: parameter %s got no gradient" % (name, pname))
            module_grads[pname] = rgrads[pname]

    # Reference 2: the ONNX graph itself, evaluated in float64, gradients
    # with respect to the initializers.  It must agree with reference 1.
    feeds = {n_: torch.from_numpy(a).double() for n_, a in zip(in_names, inputs)}
    leaves = {}
    for iname, arr in inits.items():   # aliases included: their own leaves
        feeds[iname] = OnnxEval.tensor(arr)
        if iname in order:
            feeds[iname].requires_grad_(True)
            leaves[iname] = feeds[iname]
    values = OnnxEval(m).run(feeds)
    y2 = values["y"]
    loss2 = loss_fn(loss_kind, y2, t)
    eval_grads = dict(zip(order, torch.autograd.grad(loss2, [leaves[p] for p in order])))
    # (float32 attributes such as LeakyRelu's alpha or BatchNormalization's
    # epsilon differ from torch's float64 ones by ~1e-8 relative)
    dy = rel_diff(y2, y)
    if dy > 1e-7:
        fail("%s: ONNX evaluation differs from the torch module: rel %.3g"
             % (name, dy))
    for pname in order:
        e = rel_diff(eval_grads[pname], module_grads[pname])
        if e > 1e-7:
            fail("%s: gradient of %s: ONNX evaluation and torch autograd "
                 "differ: rel %.3g" % (name, pname, e))
        if float(module_grads[pname].norm()) == 0.0:
            fail("%s: parameter %s has a zero gradient" % (name, pname))
    # Gradients of torch parameters are written from the module (byte-stable
    # fixtures); those of derived arrays from the ONNX evaluation.
    grads = {p: (eval_grads[p] if p in derived else module_grads[p])
             for p in order}

    # What pcc_predict computes: with training-mode batch norm, the eval
    # mode (running estimates) output.
    if train_mode:
        with torch.no_grad():
            y = copy.deepcopy(model).double().eval()(*xs)

    depth = depth_estimate(g, in_names, values)
    # fpa with gamma 1 reaches the backprop adjoint after `depth` steps and
    # stays there; a wide margin over the estimate costs only run time.
    fpa_steps = max(50, -(-3 * depth // 50) * 50)

    trend = IL_TREND.get(name, IL_TREND_DEFAULT)
    desc = {
        "model": name,
        "loss": loss_kind,
        "batch": BATCH,
        "opset": opset,
        "ops": ops,
        "inputs": [],
        "target_file": name + ".target.bin",
        "target_shape": list(target.shape),
        "output_name": "y",
        "output_shape": list(y.shape),
        "output_file": name + ".output.bin",
        "loss_value": float(loss.item()),
        "depth_estimate": depth,
        "fpa_steps": fpa_steps,
        "il_trend_steps": trend if isinstance(trend, list) else trend[0],
        "params": [],
    }
    if not isinstance(trend, list):
        desc["il_trend_skip"] = trend[1]
    if name in IL_PLATEAU:
        desc["il_plateau"] = IL_PLATEAU[name]
    if name in IL_MIN_COS:
        desc["il_min_cos"] = IL_MIN_COS[name]
    desc.update(NUDGE_BOUNDS.get(name, {}))
    if tol is not None:
        desc["tol"] = tol
    for n_, a in zip(in_names, inputs):
        f = "%s.%s.bin" % (name, n_)
        write_bin(os.path.join(outdir, f), a)
        desc["inputs"].append({"name": n_, "shape": list(a.shape), "file": f})
    write_bin(os.path.join(outdir, desc["target_file"]), target)
    write_bin(os.path.join(outdir, desc["output_file"]), y.detach().numpy())
    for i, pname in enumerate(order):
        gf = "%s.grad%d.bin" % (name, i)
        vf = "%s.param%d.bin" % (name, i)
        write_bin(os.path.join(outdir, gf), grads[pname].detach().numpy())
        write_bin(os.path.join(outdir, vf), inits[pname])
        desc["params"].append({"name": pname, "shape": list(inits[pname].shape),
                               "grad_file": gf, "value_file": vf})
    # State after one training step: ONNX's running-estimate update from
    # the forward pass's batch statistics.
    if states:
        desc["states"] = []
    for i, (node, k) in enumerate(states):
        sname = node.input[k]
        vf = "%s.state%d.bin" % (name, i)
        af = "%s.state%d.after.bin" % (name, i)
        write_bin(os.path.join(outdir, vf), inits[sname])
        write_bin(os.path.join(outdir, af), values[node.output[k - 2]].detach().numpy())
        desc["states"].append({"name": sname, "shape": list(inits[sname].shape),
                               "value_file": vf, "after_step_file": af})
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        json.dump(desc, f, indent=1)
        f.write("\n")

    print("%-20s loss=%-4s L=%.6f params=%d depth~%d fpa T=%d%s" % (
        name, loss_kind, desc["loss_value"], len(order), depth, fpa_steps,
        ("  (non-parameter initializers: %s)" % extra) if extra else ""))
    print("    ops: " + " ".join(ops))
    if derived:
        print("    ONNX-layout parameters: " + ", ".join(
            "%s <- %s" % (p, "+".join(tn)) for p, (tn, _) in derived.items()))
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
