#!/usr/bin/python3
"""Data-parallel training with pcc: N processes, gradients averaged by
torch.distributed (gloo, over loopback), one shared optimizer update.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/data_parallel.py \
        [--procs 2] [--steps 20] [--batch 16] [--algorithm bp]

Every process compiles the same model (a 32-64-64-10 tanh MLP exported from
torch, the same seed everywhere) for a batch of --batch, and for each step
takes its own shard of a global batch of procs x batch samples:

    grads = model.gradients(x_shard, t_shard)      # the library's estimate
    all_reduce(grads) / procs                      # torch.distributed
    model.apply_gradients(grads)                   # the library's Adam

Rank 0 then trains a second model, compiled for the whole global batch
(batch=procs x batch), on the same data in one process, and prints the
largest parameter difference. With an exact algorithm (bp, fpa, zil) the
mean-loss gradient of the global batch is the mean of the shards', so the
two agree to float rounding; the script exits 1 if they differ by more
than --tolerance. (il's estimate is not linear in the batch that way.)
"""

import argparse
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import pcc

FEATURES, CLASSES = 32, 10


def make_module():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(FEATURES, 64), torch.nn.Tanh(),
        torch.nn.Linear(64, 64), torch.nn.Tanh(),
        torch.nn.Linear(64, CLASSES))


def global_batch(step, size):
    rng = np.random.RandomState(1000 + step)
    x = rng.standard_normal((size, FEATURES)).astype(np.float32)
    labels = rng.randint(0, CLASSES, size)
    t = np.zeros((size, CLASSES), np.float32)
    t[np.arange(size), labels] = 1.0
    return x, t


def compile_model(args, batch):
    x = torch.zeros(batch, FEATURES)
    return pcc.compile(make_module(), x, algorithm=args.algorithm, loss="ce",
                       learning_rate=args.lr, optimizer="adam")


def worker(rank, args, port):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=args.procs)
    model = compile_model(args, args.batch)
    for step in range(args.steps):
        x, t = global_batch(step, args.procs * args.batch)
        shard = slice(rank * args.batch, (rank + 1) * args.batch)
        grads = model.gradients(np.ascontiguousarray(x[shard]),
                                np.ascontiguousarray(t[shard]))
        for g in grads.values():
            tensor = torch.from_numpy(g)   # shares g's memory
            dist.all_reduce(tensor)
            g /= args.procs
        model.apply_gradients(grads)
    if rank == 0:
        reference = compile_model(args, args.procs * args.batch)
        for step in range(args.steps):
            reference.train_step(*global_batch(step, args.procs * args.batch))
        worst = max(float(np.abs(model.params[n] - reference.params[n]).max())
                    for n in model.params)
        print("%d processes x batch %d vs one process x batch %d, %d %s "
              "steps: largest parameter difference %.3g"
              % (args.procs, args.batch, args.procs * args.batch, args.steps,
                 args.algorithm, worst), flush=True)
        if not worst <= args.tolerance:
            print("error: above --tolerance %g" % args.tolerance, flush=True)
            os._exit(1)
    dist.destroy_process_group()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--algorithm", default="bp", choices=["bp", "fpa", "zil"])
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--tolerance", type=float, default=1e-5)
    args = ap.parse_args()
    if args.procs < 1 or args.batch < 1 or args.steps < 1:
        sys.exit("error: --procs, --batch and --steps must be positive")
    ctx = mp.start_processes(worker, args=(args, free_port()),
                             nprocs=args.procs, join=False,
                             start_method="spawn")
    try:
        while not ctx.join():
            pass
    except mp.ProcessExitedException as e:
        sys.exit("error: %s" % e)


if __name__ == "__main__":
    main()
