#!/usr/bin/python3
"""Train the bundled MLP on Fashion-MNIST from Python, il next to bp.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/fashion_mnist.py \
        [--epochs 2] [--limit N] [--out DIR] [--seed 42] [--vertices op|layer]

Compiles examples/fashion_mnist/mlp.onnx twice with pcc.compile (inference
learning, T=20, and backprop; softmax cross-entropy, Adam 1e-3, batch 64),
trains both on the same shuffled batches with a tqdm progress bar, and
writes two plots to --out (default: the current directory):

  accuracy.png  test accuracy after every epoch, il next to bp
  energy.png    the il model's energy F against the inference step for
                one fixed test batch, before training and after each epoch
                (F after k steps of relaxation from the forward pass, where
                F equals the loss F0; drawn as F / F0)

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""

import argparse
import gzip
import os
import sys

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from tqdm import tqdm  # noqa: E402

import pcc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MLP = os.path.join(HERE, "..", "fashion_mnist", "mlp.onnx")
DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, split):
    def find(name):
        for p in (os.path.join(data_dir, name + ".gz"), os.path.join(data_dir, name)):
            if os.path.exists(p):
                return p
        sys.exit("error: no %s(.gz) in %s (Debian: dataset-fashion-mnist)"
                 % (name, data_dir))
    images = read_idx(find("%s-images-idx3-ubyte" % split))
    labels = read_idx(find("%s-labels-idx1-ubyte" % split))
    return (images.reshape(len(images), -1).astype(np.float32) / 255.0,
            labels.astype(np.int64))


def one_hot(labels, classes=10):
    t = np.zeros((len(labels), classes), np.float32)
    t[np.arange(len(labels)), labels] = 1.0
    return t


def accuracy(model, images, labels, batch):
    correct = 0
    for i in range(0, len(images) - batch + 1, batch):
        y = model.predict(np.ascontiguousarray(images[i:i + batch]))
        correct += int((y.argmax(1) == labels[i:i + batch]).sum())
    return correct / (len(images) // batch * batch)


def energy_curve(model, x, t, steps):
    """F after k relaxation steps, k = 0..steps (gradients() changes
    nothing, so every k starts from the same forward pass)."""
    saved = model.hyperparameters["inference_steps"]
    model.gradients(x, t)
    curve = [model.last_stats.loss]  # k = 0: F is the loss
    for k in range(1, steps + 1):
        model.set(inference_steps=k)
        model.gradients(x, t)
        curve.append(model.last_stats.energy)
    model.set(inference_steps=saved)
    return curve


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0,
                    help="use only the first N training samples")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--out", default=".")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--vertices", choices=("op", "layer"), default="op",
                    help="the il model's value nodes (pcc --vertices)")
    args = ap.parse_args()

    train_x, train_y = load_split(args.data, "train")
    test_x, test_y = load_split(args.data, "t10k")
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]

    models = {alg: pcc.compile(MLP, algorithm=alg, loss="ce",
                               inference_steps=20, inference_rate=0.1,
                               learning_rate=1e-3, vertices=args.vertices)
              for alg in ("il", "bp")}
    batch = models["il"].signature["batch"]
    probe_x = np.ascontiguousarray(test_x[:batch])
    probe_t = one_hot(test_y[:batch])
    steps = models["il"].hyperparameters["inference_steps"]
    energies = [energy_curve(models["il"], probe_x, probe_t, steps)]
    acc = {alg: [] for alg in models}

    rng = np.random.RandomState(args.seed)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(train_x))
        n = len(order) // batch
        bar = tqdm(range(n), desc="epoch %d" % epoch, unit="batch")
        for b in bar:
            idx = order[b * batch:(b + 1) * batch]
            x, t = train_x[idx], one_hot(train_y[idx])
            stats = {alg: m.train_step(x, t) for alg, m in models.items()}
            if b % 50 == 0:
                bar.set_postfix(il_loss="%.3f" % stats["il"].loss,
                                bp_loss="%.3f" % stats["bp"].loss)
        for alg, m in models.items():
            acc[alg].append(accuracy(m, test_x, test_y, batch))
        energies.append(energy_curve(models["il"], probe_x, probe_t, steps))
        print("epoch %d: test accuracy il %.2f %%, bp %.2f %%"
              % (epoch, 100 * acc["il"][-1], 100 * acc["bp"][-1]), flush=True)

    os.makedirs(args.out, exist_ok=True)
    epochs = range(1, args.epochs + 1)
    plt.figure(figsize=(5, 3.5))
    for alg, label in (("il", "il (T=20, γ=0.1)"), ("bp", "bp")):
        plt.plot(epochs, [100 * a for a in acc[alg]], "o-", label=label)
    plt.xlabel("epoch")
    plt.ylabel("test accuracy (%)")
    plt.title("784-256-256-10 MLP on Fashion-MNIST")
    plt.xticks(list(epochs))
    plt.legend()
    plt.tight_layout()
    plt.savefig(os.path.join(args.out, "accuracy.png"), dpi=120)

    plt.figure(figsize=(5, 3.5))
    for i, curve in enumerate(energies):
        # Relative to the forward pass, where F is the loss: the curves'
        # scales differ by an order of magnitude before and after training.
        plt.plot(range(len(curve)), [f / curve[0] for f in curve],
                 label="%s (F₀ = %.3f)" % (
                     "before training" if i == 0 else "after epoch %d" % i,
                     curve[0]))
    plt.xlabel("inference step")
    plt.ylabel("energy F / F₀ (F₀: the loss)")
    plt.title("il relaxation on one test batch")
    plt.legend()
    plt.tight_layout()
    plt.savefig(os.path.join(args.out, "energy.png"), dpi=120)
    print("wrote %s and %s" % (os.path.join(args.out, "accuracy.png"),
                               os.path.join(args.out, "energy.png")))


if __name__ == "__main__":
    main()
