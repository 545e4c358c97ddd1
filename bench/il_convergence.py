#!/usr/bin/python3
"""il's convergence to backprop: the cosine between il's (or epc's)
gradient and backprop's against the number of relaxation steps T, with op
and with layer vertices (pcc --vertices), plain and nudged (pcc
--nudge-mode), on one fixed Fashion-MNIST test batch at the models' initial
parameters or, with --pretrain N, after N backprop training steps.

    PYTHONPATH=build/python /usr/bin/python3 bench/il_convergence.py \
        [--models mlp,deep,cnn,lstm] [--algorithms il,epc,ipc] \
        [--steps 5,10,20,50,100,200] [--rate G] \
        [--nudge-modes none,centered] [--nudge 0.1] [--pretrain N] \
        [--ipc-lr 1e-5]

Models: the bundled 784-256-256-10 MLP, CNN and row-LSTM
(examples/fashion_mnist) and a deep MLP, 784 -> 6 x (Linear 128, tanh) ->
10 (torch.manual_seed(0)). Softmax cross-entropy, batch 64. T is a run-time
hyper-parameter, so each library is compiled once. --rate: gamma (default
pcc's: il 0.1, epc 0.5). --pretrain N trains the backprop library for N
batches of the training split (Adam 1e-3) and gives every library its
parameters. ipc has no gradient of its own: its row is the cosine of the
parameter change one train_step makes (SGD at --ipc-lr, every inference
step an update) with backprop's gradient (centered nudging skipped: ipc
refuses it). Prints one table row per model, algorithm, vertex kind and
nudge mode (depth, then the cosine at each T, or "diverged" where the
relaxation's energy was not finite).

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""

import argparse
import os
import sys

import numpy as np

import pcc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "python"))
from fashion_mnist import DATA, load_split, one_hot  # noqa: E402

BUNDLED = os.path.join(HERE, "..", "examples", "fashion_mnist")
BATCH = 64


def deep_mlp():
    import torch
    torch.manual_seed(0)
    layers, width = [], 784
    for _ in range(6):
        layers += [torch.nn.Linear(width, 128), torch.nn.Tanh()]
        width = 128
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10))


def source(name):
    """(model for pcc.compile, example input or None)."""
    if name == "deep":
        return deep_mlp(), np.zeros((BATCH, 784), np.float32)
    return os.path.join(BUNDLED, name + ".onnx"), None


def flat(grads):
    return np.concatenate([g.ravel() for g in grads.values()])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="mlp,deep,cnn,lstm")
    ap.add_argument("--steps", default="5,10,20,50,100,200")
    ap.add_argument("--algorithms", default="il",
                    help="comma-separated: il, epc, ipc")
    ap.add_argument("--ipc-lr", type=float, default=1e-5)
    ap.add_argument("--rate", type=float, default=None)
    ap.add_argument("--pretrain", type=int, default=0)
    ap.add_argument("--nudge-modes", default="none",
                    help="comma-separated: none, positive, negative, centered")
    ap.add_argument("--nudge", type=float, default=0.1)
    ap.add_argument("--data", default=DATA)
    args = ap.parse_args()
    modes = args.nudge_modes.split(",")
    if any(m not in ("none", "positive", "negative", "centered")
           for m in modes):
        ap.error("--nudge-modes: none, positive, negative and/or centered")
    if not args.nudge > 0:
        ap.error("--nudge must be positive")
    algorithms = args.algorithms.split(",")
    if any(a not in ("il", "epc", "ipc") for a in algorithms):
        ap.error("--algorithms: il, epc and/or ipc")
    if not args.ipc_lr > 0:
        ap.error("--ipc-lr must be positive")
    if args.rate is not None and not args.rate > 0:
        ap.error("--rate must be positive")
    if args.pretrain < 0:
        ap.error("--pretrain must be >= 0")
    models = args.models.split(",")
    for m in models:
        if m not in ("mlp", "deep", "cnn", "lstm"):
            ap.error("--models: unknown model %r (mlp, deep, cnn or lstm)" % m)
    try:
        steps = [int(s) for s in args.steps.split(",")]
    except ValueError:
        ap.error("--steps must be comma-separated whole numbers")
    if not steps or min(steps) < 1:
        ap.error("--steps must be whole numbers >= 1")
    images, labels = load_split(args.data, "t10k")
    target = one_hot(labels[:BATCH])
    train = load_split(args.data, "train") if args.pretrain else None
    print("| model | algorithm | vertices | nudge | depth | " +
          " | ".join("T = %d" % t for t in steps) + " |")
    print("|---|---|---|---|---|" + "---|" * len(steps))
    for name in models:
        model, example = source(name)
        bp = pcc.compile(model, example, algorithm="bp", loss="ce")
        shape = bp.signature["inputs"][0]["shape"]
        order = np.random.RandomState(42).permutation(
            len(train[0]) if train else 0)
        for b in range(args.pretrain):
            idx = order[(b * BATCH) % (len(order) - BATCH + 1):][:BATCH]
            bp.train_step(np.ascontiguousarray(train[0][idx].reshape(
                [BATCH] + shape[1:])), one_hot(train[1][idx]))
        x = np.ascontiguousarray(images[:BATCH].reshape(shape))
        ref = flat(bp.gradients(x, target))
        for alg, vertices, mode in [(a, v, m) for a in algorithms
                                    for v in ("op", "layer") for m in modes
                                    if not (a == "ipc" and m == "centered")]:
            nudge = {} if mode == "none" else {"nudge_mode": mode,
                                               "nudge": args.nudge}
            if alg == "ipc":
                nudge.update(optimizer="sgd", learning_rate=args.ipc_lr)
            il = pcc.compile(model, example, algorithm=alg, loss="ce",
                             inference_rate=args.rate, vertices=vertices,
                             **nudge)
            cos = []
            for t in steps:
                for n in il.params:
                    il.params[n][...] = bp.params[n]
                il.set(inference_steps=t)
                try:
                    if alg == "ipc":
                        il.train_step(x, target)
                        g = flat({n: bp.params[n] - il.params[n]
                                  for n in il.params})
                    else:
                        g = flat(il.gradients(x, target))
                except pcc.Error:
                    cos.append(None)  # the relaxation diverged
                    continue
                cos.append(g @ ref / np.linalg.norm(g) / np.linalg.norm(ref))
            print("| %s | %s | %s | %s | %d | %s |" % (
                name, alg, vertices,
                "none" if mode == "none" else "%s %g" % (mode, args.nudge),
                il.signature["depth"],
                " | ".join("diverged" if c is None else "%.3f" % c
                           for c in cos)), flush=True)


if __name__ == "__main__":
    main()
