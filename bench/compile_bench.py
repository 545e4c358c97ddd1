#!/usr/bin/python3
"""Compile-time benchmark: seconds and peak memory of `pcc` per model.

    compile_bench.py --pcc build/bin/pcc [--pcc OTHER/bin/pcc ...] [--zoo DIR]
                     [--algorithms bp,il] [--sweep 8,32,128] [--repeat N]
                     [--work DIR]

Compiles, with every algorithm of --algorithms (default bp and il), and
prints one row per compile (wall seconds, the median of --repeat runs, and
peak resident memory from getrusage of the child), with one pair of
columns per --pcc given (e.g. this build and the previous one, side by
side in the same run):

  - the bundled models: examples/fashion_mnist/{mlp,cnn,lstm}.onnx;
  - the model zoo's exports when --zoo gives its fixture directory
    (test/zoo/gen_zoo.py; the build puts them in build/test/zoo/fixtures);
  - a size sweep, built here with onnx.helper: an MLP of N Gemm+Tanh layers
    (width 64, batch 8) and an ONNX RNN unrolled over N steps (hidden 32,
    input 16, batch 8), for every N of --sweep.

The last lines report the sweep's growth: compile time at the largest N
over the smallest, against the size ratio (linear would be equal).
Needs python3 with onnx and numpy (Debian: python3-onnx, python3-numpy).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples", "fashion_mnist")


def mlp_model(layers, width=64, batch=8):
    rng = np.random.RandomState(layers)
    nodes, inits, prev = [], [], "x"
    for i in range(layers):
        w = numpy_helper.from_array(
            (rng.standard_normal((width, width)) / 8).astype(np.float32), "W%d" % i)
        b = numpy_helper.from_array(np.full(width, 0.01 * (i + 1), np.float32),
                                    "b%d" % i)
        inits += [w, b]
        nodes.append(helper.make_node("Gemm", [prev, w.name, b.name], ["g%d" % i],
                                      transB=1))
        out = "y" if i == layers - 1 else "h%d" % i
        nodes.append(helper.make_node("Tanh", ["g%d" % i], [out]))
        prev = out
    graph = helper.make_graph(
        nodes, "mlp%d" % layers,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, width])],
        inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def rnn_model(steps, hidden=32, inputs=16, batch=8):
    rng = np.random.RandomState(steps)
    W = numpy_helper.from_array(
        (rng.standard_normal((1, hidden, inputs)) / 4).astype(np.float32), "W")
    R = numpy_helper.from_array(
        (rng.standard_normal((1, hidden, hidden)) / 6).astype(np.float32), "R")
    B = numpy_helper.from_array(np.zeros((1, 2 * hidden), np.float32), "B")
    V = numpy_helper.from_array(
        (rng.standard_normal((hidden, 10)) / 6).astype(np.float32), "V")
    nodes = [
        helper.make_node("RNN", ["x", "W", "R", "B"], ["", "h"],
                         hidden_size=hidden),
        helper.make_node("Squeeze", ["h", "zero"], ["hs"]),
        helper.make_node("MatMul", ["hs", "V"], ["y"]),
    ]
    zero = numpy_helper.from_array(np.array([0], np.int64), "zero")
    graph = helper.make_graph(
        nodes, "rnn%d" % steps,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [steps, batch, inputs])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 10])],
        [W, R, B, V, zero])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def compile_once(pcc, onnx_path, alg, out, loss):
    """(seconds, peak MiB, error or None) of one pcc run."""
    t0 = time.perf_counter()
    p = subprocess.Popen([pcc, onnx_path, "-o", out, "--algorithm=" + alg,
                          "--loss=" + loss], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    _, err = p.communicate()
    dt = time.perf_counter() - t0
    # ru_maxrss of the children waited for so far: the largest one.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    if p.returncode != 0:
        return dt, peak, err.decode(errors="replace").strip()
    return dt, peak, None


def measure(args, pcc, name, onnx_path, alg, loss, work):
    times, peaks = [], []
    for _ in range(args.repeat):
        out = os.path.join(work, "%s_%s.so" % (name, alg))
        # A fresh process per run keeps ru_maxrss per compile honest.
        res = subprocess.run(
            [sys.executable, __file__, "--one", pcc, onnx_path, alg, out,
             loss], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        fields = res.stdout.decode().split()
        if res.returncode != 0 or len(fields) != 2:
            return None, None, res.stderr.decode(errors="replace").strip()
        times.append(float(fields[0]))
        peaks.append(float(fields[1]))
    return statistics.median(times), max(peaks), None


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        dt, peak, err = compile_once(*sys.argv[2:7])
        if err:
            sys.stderr.write(err + "\n")
            sys.exit(1)
        print("%.3f %.1f" % (dt, peak))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcc", required=True, action="append",
                    help="a pcc executable (repeatable: one column each)")
    ap.add_argument("--zoo", default=None,
                    help="model-zoo fixture directory (gen_zoo.py)")
    ap.add_argument("--algorithms", default="bp,il")
    ap.add_argument("--sweep", default="8,32,128")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    algs = [a for a in args.algorithms.split(",") if a]
    sizes = [int(n) for n in args.sweep.split(",") if n]
    work = args.work or tempfile.mkdtemp(prefix="pcc_compile_bench_")
    os.makedirs(work, exist_ok=True)

    cases = []  # (name, path, loss, sweep kind, size)
    for m in ("mlp", "cnn", "lstm"):
        cases.append((m, os.path.join(EXAMPLES, m + ".onnx"), "ce", None, None))
    if args.zoo and not os.path.isdir(args.zoo):
        print("(no zoo fixtures at %s: build the zoo-fixtures target)" % args.zoo)
    elif args.zoo:
        for f in sorted(os.listdir(args.zoo)):
            if f.endswith(".onnx"):
                cases.append((f[:-5], os.path.join(args.zoo, f), "ce", None, None))
    for n in sizes:
        for kind, build in (("mlp", mlp_model), ("rnn", rnn_model)):
            path = os.path.join(work, "%s%d.onnx" % (kind, n))
            onnx.save(build(n), path)
            cases.append(("%s%d" % (kind, n), path, "mse", kind, n))

    head = "%-34s %-4s" % ("model", "alg")
    for i, _ in enumerate(args.pcc):
        head += " %9s %9s" % ("s[%d]" % i, "MiB[%d]" % i)
    for i, pcc in enumerate(args.pcc):
        print("[%d] %s" % (i, pcc))
    print(head)
    sweep = {}
    failed = False
    for name, path, loss, kind, n in cases:
        for alg in algs:
            row = "%-34s %-4s" % (name, alg)
            for i, pcc in enumerate(args.pcc):
                dt, peak, err = measure(args, pcc, name, path, alg, loss, work)
                if err:
                    failed = True
                    row += " %9s %9s" % ("FAILED", "-")
                    sys.stderr.write("%s %s [%d]: %s\n"
                                     % (name, alg, i, err.splitlines()[-1]))
                    continue
                row += " %9.2f %9.1f" % (dt, peak)
                if kind:
                    sweep.setdefault((kind, alg, i), []).append((n, dt))
            print(row, flush=True)
    for (kind, alg, i), rows in sorted(sweep.items()):
        if len(rows) < 2:
            continue
        (n0, t0), (n1, t1) = rows[0], rows[-1]
        print("sweep %s %s [%d]: %dx the size, %.1fx the compile time "
              "(%.2f s -> %.2f s)" % (kind, alg, i, n1 // n0, t1 / t0, t0, t1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
