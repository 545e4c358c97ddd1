#!/usr/bin/python3
"""A predictive-coding generative network as an associative memory, next to
a modern Hopfield network and a backprop autoencoder, in one run.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/associative_memory.py \
        [--n 100 500] [--epochs 500] [--out DIR] [--seed 0]

For each N it stores the first N Fashion-MNIST training images (pixels in
[0, 1]) and retrieves every one of them from two corruptions:

  half   the top half observed, the bottom half unknown
  noise  every pixel plus Gaussian noise of sigma 0.2

An image counts as retrieved when its pixel MSE to the stored image is below
0.005. The three memories:

  pc        latent z (128) -> Linear(512) -> Tanh -> Linear(784), compiled
            with queries=True and loss_reduction="sum". Storing: every
            epoch, train_step(z, images, free=["x"]) infers each image's
            latent (warm-started from the last epoch's) and then learns.
            Retrieval is one query from z = 0: half masks the bottom half of
            the target (free, starting at the prediction) and reads the
            relaxed output; noise observes the whole noisy image and reads
            the prediction from the relaxed latent. Heavy-ball relaxation
            (momentum 0.9, 4000 steps at rate 0.05): the latent's valley is
            long and narrow.
  hopfield  modern Hopfield network: softmax(beta * M q) M over the stored
            patterns M, dot-product similarity on images centred to
            [-1, 1] (on [0, 1] the dot product prefers bright images and
            retrieves almost nothing), beta tuned in this run per task.
  ae        autoencoder of the same size, 784 -> 512 -> Tanh -> 128 -> 512
            -> Tanh -> 784, trained by backprop (a pcc bp library, Adam);
            retrieval iterates x <- ae(x) 1, 10 or 100 times, tuned in this
            run per task (half: the top half put back every iteration).

Prints a table and writes memory_N.png to --out: stored images, queries and
the three retrievals.

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

import pcc  # noqa: E402
from fashion_mnist import DATA, load_split  # noqa: E402

LATENT, HIDDEN, PIXELS = 128, 512, 784
THRESHOLD, SIGMA = 0.005, 0.2
BETAS = (0.1, 1.0, 10.0, 100.0, 1000.0)
ITERATIONS = (1, 10, 100)


def retrieved(out, images):
    mse = ((out - images) ** 2).mean(1)
    return float((mse < THRESHOLD).mean()), float(mse.mean())


def queries(images, rng):
    """The two corruptions: (observed-pixel mask, query) per task."""
    top = np.zeros_like(images)
    top[:, :PIXELS // 2] = 1
    noisy = images + SIGMA * rng.standard_normal(images.shape).astype(
        np.float32)
    return {"half": (top, images * top), "noise": (np.ones_like(images), noisy)}


# -- predictive coding ------------------------------------------------------

def pc_store(images, epochs, seed):
    torch.manual_seed(seed)
    n = len(images)
    net = torch.nn.Sequential(torch.nn.Linear(LATENT, HIDDEN), torch.nn.Tanh(),
                              torch.nn.Linear(HIDDEN, PIXELS))
    m = pcc.compile(net, torch.zeros(n, LATENT), queries=True,
                    loss_reduction="sum", inference_steps=40,
                    inference_rate=0.05, learning_rate=2e-3)
    z = np.zeros((n, LATENT), np.float32)
    for _ in range(epochs):
        m.train_step(z, images, free=["x"])
        z = m.last_query.inputs["x"].copy()  # warm start next epoch
    fit = retrieved(m.predict(z), images)
    return m, fit


def pc_retrieve(m, task, observed, query, steps=4000):
    z0 = np.zeros((len(query), LATENT), np.float32)
    if task == "half":
        masked = np.ascontiguousarray(1 - observed)
        # Masked pixels start at the prediction, not at zero.
        start = np.ascontiguousarray(query + masked * m.predict(z0))
        r = m.infer(inputs={"x": z0}, free=["x"], target=start,
                    target_mask=masked, steps=steps, rate=0.05, momentum=0.9)
        return r.output
    r = m.infer(inputs={"x": z0}, free=["x"], target=np.ascontiguousarray(query),
                steps=steps, rate=0.05, momentum=0.9)
    return m.predict(r.inputs["x"])


# -- baselines --------------------------------------------------------------

def hopfield(images, observed, query, beta):
    patterns = 2 * images - 1
    q = (2 * query - 1) * observed  # unobserved pixels: 0, no evidence
    s = beta * q @ patterns.T
    s -= s.max(1, keepdims=True)
    w = np.exp(s)
    w /= w.sum(1, keepdims=True)
    return (w @ patterns + 1) / 2


def ae_store(images, epochs, seed):
    torch.manual_seed(seed)
    n = len(images)
    net = torch.nn.Sequential(
        torch.nn.Linear(PIXELS, HIDDEN), torch.nn.Tanh(),
        torch.nn.Linear(HIDDEN, LATENT), torch.nn.Linear(LATENT, HIDDEN),
        torch.nn.Tanh(), torch.nn.Linear(HIDDEN, PIXELS))
    m = pcc.compile(net, torch.zeros(n, PIXELS), algorithm="bp",
                    loss_reduction="sum", learning_rate=1e-3)
    for _ in range(epochs):
        m.train_step(images, images)
    return m, retrieved(m.predict(images), images)


def ae_retrieve(m, task, observed, query, iterations):
    x = query.copy()
    for _ in range(iterations):
        x = m.predict(np.ascontiguousarray(x))
        if task == "half":  # the observed half is known
            x = observed * query + (1 - observed) * x
    return x


# -- the run ----------------------------------------------------------------

def figure(path, images, qs, outs, shown=8):
    rows = [("stored", images)]
    for task in ("half", "noise"):
        rows.append((task + " query", np.clip(qs[task][1], 0, 1)))
        for name in ("pc", "hopfield", "ae"):
            rows.append(("%s: %s" % (task, name), outs[name][task]))
    fig, axes = plt.subplots(len(rows), shown,
                             figsize=(shown * 0.9, len(rows) * 0.95))
    for r, (label, data) in enumerate(rows):
        for c in range(shown):
            ax = axes[r, c]
            ax.imshow(data[c].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center",
                              fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[100, 500],
                    help="memory sizes (default: 100 500)")
    ap.add_argument("--epochs", type=int, default=500,
                    help="storing epochs of the pc memory (default: 500)")
    ap.add_argument("--ae-epochs", type=int, default=2000,
                    help="training epochs of the autoencoder (default: 2000)")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--out", default=".")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    train, _ = load_split(args.data, "train")
    os.makedirs(args.out, exist_ok=True)
    print("memory      N  fit        half: retrieved  mse     "
          "noise: retrieved  mse")
    for n in args.n:
        if not 0 < n <= len(train):
            ap.error("--n %d: expected 1 to %d images" % (n, len(train)))
        images = np.ascontiguousarray(train[:n])
        qs = queries(images, np.random.default_rng(args.seed))
        outs, scores = {}, {}
        t0 = time.time()
        m, fit = pc_store(images, args.epochs, args.seed)
        outs["pc"] = {t: pc_retrieve(m, t, *qs[t]) for t in qs}
        scores["pc"] = (fit, "%.0f s" % (time.time() - t0))
        t0 = time.time()
        outs["hopfield"], betas = {}, {}
        for t, (observed, query) in qs.items():
            best = max(BETAS, key=lambda b: retrieved(
                hopfield(images, observed, query, b), images))
            betas[t] = best
            outs["hopfield"][t] = hopfield(images, observed, query, best)
        scores["hopfield"] = ((1.0, 0.0), "beta %g / %g" % (betas["half"],
                                                          betas["noise"]))
        t0 = time.time()
        ae, fit = ae_store(images, args.ae_epochs, args.seed)
        outs["ae"], runs = {}, {}
        for t in qs:
            tries = {k: ae_retrieve(ae, t, *qs[t], k) for k in ITERATIONS}
            runs[t] = max(ITERATIONS, key=lambda k: retrieved(tries[k], images))
            outs["ae"][t] = tries[runs[t]]
        scores["ae"] = (fit, "%.0f s, %d / %d passes" % (
            time.time() - t0, runs["half"], runs["noise"]))
        for name in ("pc", "hopfield", "ae"):
            (fit_frac, _), note = scores[name]
            half = retrieved(outs[name]["half"], images)
            noise = retrieved(outs[name]["noise"], images)
            print("%-9s %4d  %5.1f %%    %5.1f %%          %.4f  "
                  "%5.1f %%           %.4f   (%s)" % (
                      name, n, 100 * fit_frac, 100 * half[0], half[1],
                      100 * noise[0], noise[1], note), flush=True)
        path = os.path.join(args.out, "memory_%d.png" % n)
        figure(path, images, qs, outs)
        print("wrote", path)


if __name__ == "__main__":
    main()
