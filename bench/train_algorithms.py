#!/usr/bin/python3
"""Train one bundled Fashion-MNIST model with several pcc algorithms side by
side, on the same shuffled batches, in one run.

    PYTHONPATH=build/python /usr/bin/python3 bench/train_algorithms.py \
        [--model lstm] [--algorithms bp,fpa,epc:20:0.5:positive:1e-4,ipc@1e-4] \
        [--epochs 2] [--steps T] [--rate G] [--vertices op] [--limit N] \
        [--update-norms]

Each algorithm's library is compiled from examples/fashion_mnist/MODEL.onnx
(softmax cross-entropy, Adam 1e-3, the model's batch of 64). An entry of
--algorithms is ALG, ALG:T, ALG:T:G, ALG:T:G:MODE:BETA or fpa:T:G:reverse,
any of them followed by @LR for a learning rate other than 1e-3 (ipc takes
an Adam step at each of its T inference steps); T and gamma,
else --steps and --rate, are the relaxation's for il, fpa, epc and ipc
(default: pcc's, T = 20 and gamma 0.1, epc 0.5; fpa equals backprop with
gamma 1 and T >= the graph's depth, which the run prints, or with
--schedule=reverse, fpa:1:1); MODE and BETA are the --nudge-mode and
--nudge of il, epc and ipc. Prints, per entry, the
test accuracy after every epoch and the training throughput (samples/s of
train_step).

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
ALGORITHMS = ("bp", "fpa", "zil", "il", "epc", "ipc")
RELAXING = ("il", "fpa", "epc", "ipc")
NUDGEABLE = ("il", "epc", "ipc")
NUDGES = ("positive", "negative", "centered")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="lstm", choices=("mlp", "cnn", "lstm"))
    ap.add_argument("--algorithms", default="bp,fpa")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--rate", type=float, default=None)
    ap.add_argument("--vertices", default="op", choices=("op", "layer"))
    ap.add_argument("--update-norms", action="store_true",
                    help="after each epoch, print every weight's relative "
                         "change from its initial value, |dW| / |W|")
    ap.add_argument("--limit", type=int, default=0,
                    help="train on the first N images only (0: all)")
    args = ap.parse_args()
    algorithms = args.algorithms.split(",")
    specs = {}
    for a in algorithms:
        entry, _, lr = a.partition("@")
        try:
            lr = float(lr) if lr else None
        except ValueError:
            lr = -1.0
        if lr is not None and not lr > 0:
            ap.error("--algorithms: the learning rate after '@' must be a "
                     "positive number, got %r" % a)
        name, *relax_args = entry.split(":")
        nudge = relax_args[2:]
        schedule = None
        if name == "fpa" and nudge == ["reverse"]:
            schedule, nudge = "reverse", []
            relax_args = relax_args[:2]
        try:
            steps = int(relax_args[0]) if relax_args else args.steps
            rate = float(relax_args[1]) if len(relax_args) > 1 else args.rate
            beta = float(nudge[1]) if len(nudge) == 2 else None
        except ValueError:
            steps = rate = beta = None
            relax_args = ["bad"] * 9
        if (name not in ALGORITHMS or len(relax_args) not in (0, 1, 2, 4) or
                (relax_args and name not in RELAXING) or
                (nudge and (name not in NUDGEABLE or nudge[0] not in NUDGES
                            or not beta > 0)) or
                (steps is not None and steps < 1) or
                (rate is not None and not rate > 0)):
            ap.error("--algorithms: a comma-separated list of ALG, ALG:T, "
                     "ALG:T:GAMMA, ALG:T:GAMMA:MODE:BETA or "
                     "fpa:T:GAMMA:reverse (T >= 1, GAMMA > "
                     "0, BETA > 0), ALG one of " + ", ".join(ALGORITHMS) +
                     " (T and GAMMA for " + ", ".join(RELAXING) + ", MODE "
                     "one of " + ", ".join(NUDGES) + " for " +
                     ", ".join(NUDGEABLE) + "), got %r" % a)
        specs[a] = (name, steps, rate, nudge[0] if nudge else None, beta,
                    schedule, lr)
    if len(specs) != len(algorithms):
        ap.error("--algorithms: an entry is repeated")
    if args.epochs < 1 or args.limit < 0:
        ap.error("--epochs must be >= 1 and --limit >= 0")
    if args.steps is not None and args.steps < 1:
        ap.error("--steps must be >= 1")
    if args.rate is not None and not args.rate > 0:
        ap.error("--rate must be positive")
    train, test = load_split(DATA, "train"), load_split(DATA, "t10k")
    if args.limit:
        train = (train[0][:args.limit], train[1][:args.limit])
    path = os.path.join(MODELS, args.model + ".onnx")
    models = {}
    for a in algorithms:
        name, steps, rate, mode, beta, schedule, lr = specs[a]
        flags = {"vertices": args.vertices}
        if lr:
            flags.update(learning_rate=lr)
        if name in RELAXING:
            flags.update(inference_steps=steps, inference_rate=rate)
        if mode:
            flags.update(nudge_mode=mode, nudge=beta)
        if schedule:
            flags.update(schedule=schedule)
        t0 = time.time()
        models[a] = pcc.compile(path, algorithm=name, loss="ce", **flags)
        sig = models[a].signature
        print("%-26s compiled in %.1f s: depth %d, hyper-parameters %s"
              % (a, time.time() - t0, sig["depth"], sig["hyperparameters"]),
              flush=True)
    first = models[algorithms[0]]
    batch = first.signature["batch"]
    shape = first.signature["inputs"][0]["shape"]

    def inputs(images, idx):
        return np.ascontiguousarray(images[idx].reshape([len(idx)] + shape[1:]))

    initial = {a: {n: p.copy() for n, p in models[a].params.items()}
               for a in algorithms} if args.update_norms else None
    rng = np.random.RandomState(42)
    seconds = {a: 0.0 for a in algorithms}
    samples = 0
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(train[0]))
        for b in range(len(order) // batch):
            idx = order[b * batch:(b + 1) * batch]
            x, t = inputs(train[0], idx), one_hot(train[1][idx])
            for a in algorithms:
                t0 = time.perf_counter()
                models[a].train_step(x, t)
                seconds[a] += time.perf_counter() - t0
            samples += batch
        for a in algorithms:
            correct = 0
            for i in range(0, len(test[0]) - batch + 1, batch):
                idx = np.arange(i, i + batch)
                y = models[a].predict(inputs(test[0], idx))
                correct += int((y.argmax(1) == test[1][idx]).sum())
            print("epoch %d  %-26s test accuracy %.2f %%  %.0f samples/s"
                  % (epoch, a, 100 * correct / (len(test[0]) // batch * batch),
                     samples / seconds[a]), flush=True)
            if initial:
                print("         |dW|/|W|: " + ", ".join(
                    "%s %.3f" % (n, np.linalg.norm(p - initial[a][n]) /
                                 np.linalg.norm(initial[a][n]))
                    for n, p in models[a].params.items() if p.ndim > 1),
                    flush=True)


if __name__ == "__main__":
    main()
