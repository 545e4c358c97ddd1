#!/usr/bin/python3
"""il variants side by side in one run, on the bundled Fashion-MNIST
models: op and layer vertices (pcc --vertices), with and without nudging
(pcc --nudge-mode, --nudge).

    PYTHONPATH=build/python /usr/bin/python3 bench/il_vertices.py [mlp] [cnn] [lstm] \
        [--vertices op,layer] [--nudge-mode none] [--nudge 0.1] [--rate 0.1] \
        [--steps 20]

For each model, vertex kind and nudge mode: the graph's depth, the cosine
between il's gradient (T = --steps, the given rate) and backprop's on the
first test batch before training, the test accuracy after epochs 1 and 2 of
il training (Adam 1e-3, the model's batch, shuffled with seed 42), and how
many training steps ended with the energy above its forward-pass value
(the loss, times the nudge where nudged: a diverged relaxation, the rate is
too high for the graph).

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""

import argparse
import os
import sys
import time

import numpy as np

import pcc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "python"))
from fashion_mnist import DATA, load_split, one_hot  # noqa: E402

MODELS = os.path.join(HERE, "..", "examples", "fashion_mnist")


def flat(grads):
    return np.concatenate([g.ravel() for g in grads.values()])


def run(model, train, test, kinds, modes, beta, rate, steps):
    path = os.path.join(MODELS, model + ".onnx")
    bp = pcc.compile(path, algorithm="bp", loss="ce")
    batch = bp.signature["batch"]
    shape = bp.signature["inputs"][0]["shape"]

    def inputs(images, idx):
        return np.ascontiguousarray(
            images[idx].reshape([len(idx)] + shape[1:]))

    probe = np.arange(batch)
    x, t = inputs(test[0], probe), one_hot(test[1][probe])
    ref = flat(bp.gradients(x, t))
    variants = [(v, n) for v in kinds for n in modes]
    for vertices, mode in variants:
        m = pcc.compile(path, algorithm="il", loss="ce", inference_steps=steps,
                        inference_rate=rate, vertices=vertices,
                        nudge_mode=mode,
                        **({"nudge": beta} if mode != "none" else {}))
        # The energy at the forward pass is the loss times the nudge.
        scale = {"none": 1.0, "positive": beta, "centered": beta,
                 "negative": -beta}[mode]
        g = flat(m.gradients(x, t))
        cos = g @ ref / np.linalg.norm(g) / np.linalg.norm(ref)
        rng = np.random.RandomState(42)
        accs, diverged, t0 = [], 0, time.time()
        for _ in range(2):
            order = rng.permutation(len(train[0]))
            for b in range(len(order) // batch):
                idx = order[b * batch:(b + 1) * batch]
                stats = m.train_step(inputs(train[0], idx),
                                     one_hot(train[1][idx]))
                diverged += stats.energy > scale * stats.loss
            correct = 0
            for i in range(0, len(test[0]) - batch + 1, batch):
                idx = np.arange(i, i + batch)
                y = m.predict(inputs(test[0], idx))
                correct += int((y.argmax(1) == test[1][idx]).sum())
            accs.append(100 * correct / (len(test[0]) // batch * batch))
        print("%-5s %-6s nudge %-8s rate %g  T %d  depth %3d  cos(il, bp) "
              "%.4f  accuracy %.2f / %.2f %%  diverged steps %d  (%.0f s)" % (
                  model, vertices, mode, rate, steps, m.signature["depth"],
                  cos, accs[0], accs[1], diverged, time.time() - t0),
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*",
                    help="mlp, cnn and/or lstm (default: mlp cnn)")
    ap.add_argument("--vertices", default="op,layer")
    ap.add_argument("--nudge-mode", default="none",
                    help="comma-separated: none, positive, negative, centered")
    ap.add_argument("--nudge", type=float, default=0.1,
                    help="the nudge beta (default 0.1)")
    ap.add_argument("--rate", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()
    for model in args.models:
        if model not in ("mlp", "cnn", "lstm"):
            ap.error("unknown model %r (expected mlp, cnn or lstm)" % model)
    kinds = args.vertices.split(",")
    if not kinds or any(k not in ("op", "layer") for k in kinds):
        ap.error("--vertices: a comma-separated list of op and layer")
    modes = args.nudge_mode.split(",")
    if any(n not in ("none", "positive", "negative", "centered")
           for n in modes):
        ap.error("--nudge-mode: a comma-separated list of none, positive, "
                 "negative and centered")
    if not args.rate > 0 or not args.nudge > 0:
        ap.error("--rate and --nudge must be positive")
    if args.steps < 1:
        ap.error("--steps must be at least 1")
    train, test = load_split(DATA, "train"), load_split(DATA, "t10k")
    for model in args.models or ["mlp", "cnn"]:
        run(model, train, test, kinds, modes, args.nudge, args.rate,
            args.steps)


if __name__ == "__main__":
    main()
