#!/usr/bin/python3
"""One predictive-coding generative network as a classifier and a generator,
by choosing which nodes are clamped.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/classify_by_inference.py \
        [--epochs 1] [--limit N] [--test N] [--out DIR] [--seed 0]

The network generates images from labels: label (10) -> Linear(256) -> Tanh
-> Linear(784), compiled with queries=True and loss_reduction="sum".

  training        both ends clamped: train_step(one_hot(label), image), il
                  with T = 20 (Adam 3e-4, batch 100)
  classification  the image clamped, the label input free from 0: the
                  query infers which label explains the image best; the
                  prediction is the relaxed label's argmax
  generation      the label clamped, the pixels' parents free and nothing
                  observed: the relaxed output is the image the network
                  generates for that label (between two classes for mixed
                  labels)

Prints the test accuracy and writes generated.png to --out: one row per
class, the class's mean training image, then the images generated for the
label moving towards the next class (weights 0, 0.25, 0.5, 0.75).

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""

import argparse
import os
import time

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

import pcc  # noqa: E402
from fashion_mnist import DATA, load_split, one_hot  # noqa: E402

CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Boot"]
BATCH, HIDDEN, PIXELS = 100, 256, 784
MIXES = (0.0, 0.25, 0.5, 0.75)


def build(seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(10, HIDDEN), torch.nn.Tanh(),
                              torch.nn.Linear(HIDDEN, PIXELS))
    return pcc.compile(net, torch.zeros(BATCH, 10), queries=True,
                       loss_reduction="sum", inference_steps=20,
                       inference_rate=0.1, learning_rate=3e-4)


def classify(m, images, steps):
    """Clamp the images, free the label, relax; the label's argmax."""
    labels = []
    for i in range(0, len(images), BATCH):
        img = np.ascontiguousarray(images[i:i + BATCH])
        r = m.infer(inputs={"x": np.zeros((BATCH, 10), np.float32)},
                    free=["x"], target=img, steps=steps, rate=0.1)
        labels.append(r.inputs["x"].argmax(1))
    return np.concatenate(labels)


def generate(m, labels, steps):
    """Clamp the labels, observe nothing: the relaxed output."""
    r = m.infer(np.ascontiguousarray(labels), steps=steps)
    return r.output


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=60000,
                    help="training images (default: all 60000)")
    ap.add_argument("--test", type=int, default=10000,
                    help="test images (default: all 10000)")
    ap.add_argument("--steps", type=int, default=100,
                    help="relaxation steps of a query (default: 100)")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--out", default=".")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for name in ("limit", "test"):
        v = getattr(args, name)
        if v < BATCH or v % BATCH:
            ap.error("--%s %d: expected a positive multiple of %d"
                     % (name, v, BATCH))
    train_x, train_y = load_split(args.data, "train")
    test_x, test_y = load_split(args.data, "t10k")
    train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    test_x, test_y = test_x[:args.test], test_y[:args.test]
    m = build(args.seed)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        order = rng.permutation(len(train_x))
        for i in tqdm(range(0, len(order), BATCH), desc="epoch %d" % epoch,
                      leave=False):
            idx = order[i:i + BATCH]
            m.train_step(one_hot(train_y[idx]),
                         np.ascontiguousarray(train_x[idx]))
    trained = time.time() - t0
    t0 = time.time()
    accuracy = float((classify(m, test_x, args.steps) == test_y).mean())
    print("classification by inference: %.2f %% of %d test images "
          "(training %.0f s, %d epoch(s); inference %.0f s, %d steps)"
          % (100 * accuracy, len(test_x), trained, args.epochs,
             time.time() - t0, args.steps))

    labels = np.zeros((BATCH, 10), np.float32)
    for c in range(10):
        for j, a in enumerate(MIXES):
            labels[c * len(MIXES) + j, c] = 1 - a
            labels[c * len(MIXES) + j, (c + 1) % 10] += a
    images = generate(m, labels, args.steps)
    fig, axes = plt.subplots(10, 1 + len(MIXES), figsize=(5, 10))
    for c in range(10):
        row = [train_x[train_y == c].mean(0)] + [
            images[c * len(MIXES) + j] for j in range(len(MIXES))]
        for j, img in enumerate(row):
            ax = axes[c, j]
            ax.imshow(np.clip(img, 0, 1).reshape(28, 28), cmap="gray",
                      vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[c, 0].set_ylabel(CLASSES[c], rotation=0, ha="right",
                              va="center", fontsize=8)
    axes[0, 0].set_title("mean", fontsize=8)
    for j, a in enumerate(MIXES):
        axes[0, j + 1].set_title("next %.2f" % a, fontsize=8)
    fig.tight_layout()
    path = os.path.join(args.out, "generated.png")
    os.makedirs(args.out, exist_ok=True)
    fig.savefig(path, dpi=100)
    print("wrote", path)


if __name__ == "__main__":
    main()
