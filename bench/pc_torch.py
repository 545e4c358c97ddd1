#!/usr/bin/python3
"""Training throughput of an MLP in PyTorch eager: predictive coding or backprop.

The PyTorch side of pcc's benchmark (see README.md). It does the same work as
a library that `pcc --algorithm=il --loss=ce` emits for the MLP, the way a
competent PyTorch user would write it:

  --mode pc   predictive coding, standard inference learning (IL):
              value nodes start at a forward pass; T relaxation steps of
                  x_i += gamma * (-eps_i + J_i^T eps_child)
              with the predictions mu recomputed from the current x every
              step; the output error is eps_out = -dL/dmu_out with L the
              batch-mean softmax cross-entropy, i.e. (onehot - softmax(mu))/B;
              then g_theta = -(dmu/dtheta)^T eps and one Adam step.
              Explicit matrix products under torch.no_grad(), no autograd;
              the first layer's prediction is computed once per batch (its
              input is clamped).
  --mode bp   forward, F.cross_entropy, backward, Adam.

It times --batches training steps on a fixed pool of random batches after
--warmup steps and prints one line ending in samples_per_s=...
"""

import argparse
import math
import sys
import time

import torch
import torch.nn.functional as F


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("pc", "bp"), default="pc")
    ap.add_argument("--sizes", default="784,256,256,10",
                    help="layer widths, input first (default 784,256,256,10)")
    ap.add_argument("--act", choices=("relu", "tanh", "sigmoid"), default="relu",
                    help="hidden activation (default relu)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", "-T", type=int, default=20,
                    help="inference steps T (pc mode, default 20)")
    ap.add_argument("--gamma", type=float, default=0.1,
                    help="inference rate (pc mode, default 0.1)")
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    ap.add_argument("--batches", type=int, default=300, help="timed steps")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    ap.add_argument("--pool", type=int, default=16,
                    help="distinct random batches, cycled (default 16)")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch.set_num_threads(N); 0 keeps torch's default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", action="store_true",
                    help="also compare the PC gradient of one batch with "
                         "autograd's (cosine similarity per parameter)")
    return ap.parse_args(argv)


def _relu_vjp(g, x, a):
    # g * relu'(x): the kernel ReLU's own backward uses, one fused pass
    # (several times faster here than g * (x > 0) or masked_fill_).
    return torch.ops.aten.threshold_backward(g, x, 0)


ACTS = {
    # name: (f, g * f'(x) given x and a = f(x); may work in place on g)
    "relu": (torch.relu, _relu_vjp),
    "tanh": (torch.tanh, lambda g, x, a: g.mul_(1.0 - a * a)),
    "sigmoid": (torch.sigmoid, lambda g, x, a: g.mul_(a * (1.0 - a))),
}


def make_adam(params, lr):
    # The multi-tensor ("foreach") Adam is the faster one on CPU here; both
    # modes use the same optimizer.
    return torch.optim.Adam(params, lr=lr, foreach=True)


def build_model(sizes, act):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh,
                           "sigmoid": torch.nn.Sigmoid}[act]())
    return torch.nn.Sequential(*layers)


class PCTrainer:
    """Standard IL on an MLP  mu_1 = W_1 x_0 + b_1,  mu_l = W_l f(x_{l-1}) + b_l."""

    def __init__(self, model, act, steps, gamma, lr):
        self.lin = [m for m in model if isinstance(m, torch.nn.Linear)]
        self.W = [m.weight for m in self.lin]  # [out, in], torch layout
        self.b = [m.bias for m in self.lin]
        self.f, self.df = ACTS[act]
        self.T = steps
        self.gamma = gamma
        self.opt = make_adam(model.parameters(), lr)

    @torch.no_grad()
    def gradients(self, x0, onehot):
        """Relaxes and sets .grad of every parameter; returns the forward loss."""
        W, b, f, df, gamma = self.W, self.b, self.f, self.df, self.gamma
        L = len(W)
        B = x0.shape[0]

        # Forward pass; value nodes x_l of the hidden layers start at mu_l.
        mu = [None] * L
        mu[0] = torch.addmm(b[0], x0, W[0].t())  # clamped input: once per batch
        x = [None] * (L - 1)
        a = [None] * (L - 1)
        for l in range(L - 1):
            x[l] = mu[l].clone()
            a[l] = f(x[l])
            mu[l + 1] = torch.addmm(b[l + 1], a[l], W[l + 1].t())

        def errors():
            e = [x[l] - mu[l] for l in range(L - 1)]
            p = torch.softmax(mu[L - 1], dim=1)
            e.append(onehot.sub(p).div_(B))  # -dL/dmu_out, L = mean CE
            return e, p

        loss = None
        for t in range(self.T):
            e, p = errors()
            if loss is None:
                loss = -(onehot * p.log()).sum() / B  # L at the forward pass
            # x_l += gamma * (-eps_l + f'(x_l) * (eps_{l+1} W_{l+1}))
            for l in range(L - 1):
                g = df(torch.mm(e[l + 1], W[l + 1]), x[l], a[l])
                x[l].add_(g.sub_(e[l]), alpha=gamma)
            # predictions from the new values (also used for the next errors)
            for l in range(L - 1):
                a[l] = f(x[l])
                mu[l + 1] = torch.addmm(b[l + 1], a[l], W[l + 1].t())

        e, p = errors()
        if loss is None:
            loss = -(onehot * p.log()).sum() / B

        # g_theta = -(dmu/dtheta)^T eps: local to every layer.
        W[0].grad = torch.mm(e[0].t(), x0).neg_()
        b[0].grad = e[0].sum(0).neg_()
        for l in range(1, L):
            W[l].grad = torch.mm(e[l].t(), a[l - 1]).neg_()
            b[l].grad = e[l].sum(0).neg_()
        return loss

    def step(self, x0, onehot, labels):
        loss = self.gradients(x0, onehot)
        self.opt.step()
        return loss


class BPTrainer:
    def __init__(self, model, lr):
        self.model = model
        self.opt = make_adam(model.parameters(), lr)

    def step(self, x0, onehot, labels):
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x0), labels)
        loss.backward()
        self.opt.step()
        return loss.detach()


def check_gradients(model, args, x0, onehot, labels):
    """Cosine similarity of the PC gradient estimate with autograd's."""
    pc = PCTrainer(model, args.act, args.steps, args.gamma, args.lr)
    pc.gradients(x0, onehot)
    pcg = [p.grad.clone() for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x0), labels).backward()
    lines = []
    for (name, p), g in zip(model.named_parameters(), pcg):
        cos = F.cosine_similarity(g.flatten(), p.grad.flatten(), dim=0).item()
        ratio = (g.norm() / p.grad.norm()).item()
        lines.append(f"  {name:10s} cos={cos:.4f} |pc|/|bp|={ratio:.3f}")
    model.zero_grad(set_to_none=True)
    print(f"gradient check (T={args.steps}, gamma={args.gamma}):", file=sys.stderr)
    print("\n".join(lines), file=sys.stderr)


def main(argv=None):
    args = parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    sizes = [int(s) for s in args.sizes.split(",")]
    if len(sizes) < 2 or min(sizes) <= 0 or args.batch <= 0 or args.pool <= 0:
        sys.exit("pc_torch.py: bad --sizes/--batch/--pool")

    model = build_model(sizes, args.act)
    gen = torch.Generator().manual_seed(args.seed + 1)
    xs = [torch.rand(args.batch, sizes[0], generator=gen) for _ in range(args.pool)]
    ys = [torch.randint(sizes[-1], (args.batch,), generator=gen)
          for _ in range(args.pool)]
    ts = [F.one_hot(y, sizes[-1]).float() for y in ys]

    if args.check and args.mode == "pc":
        check_gradients(model, args, xs[0], ts[0], ys[0])

    if args.mode == "pc":
        trainer = PCTrainer(model, args.act, args.steps, args.gamma, args.lr)
    else:
        trainer = BPTrainer(model, args.lr)

    for i in range(args.warmup):
        k = i % args.pool
        trainer.step(xs[k], ts[k], ys[k])
    loss = float("nan")
    t0 = time.perf_counter()
    for i in range(args.batches):
        k = i % args.pool
        loss = trainer.step(xs[k], ts[k], ys[k])
    dt = time.perf_counter() - t0
    loss = float(loss) if args.batches else float("nan")
    if not math.isfinite(loss):
        sys.exit(f"pc_torch.py: loss is {loss}")

    sps = args.batches * args.batch / dt if dt > 0 else float("inf")
    extra = f" T={args.steps} gamma={args.gamma}" if args.mode == "pc" else ""
    print(f"pc_torch mode={args.mode} torch={torch.__version__} "
          f"threads={torch.get_num_threads()} sizes={args.sizes} act={args.act} "
          f"batch={args.batch}{extra} batches={args.batches} "
          f"time_s={dt:.4f} loss={loss:.4f} samples_per_s={sps:.1f}")


if __name__ == "__main__":
    main()
