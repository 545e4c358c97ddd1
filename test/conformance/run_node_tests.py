#!/usr/bin/python3
"""Run ONNX's node conformance tests through pcc.

    run_node_tests.py --pcc build/bin/pcc [--ops Add,Gemm,...] [--jobs N]
                      [--verbose] [--workdir DIR] [--data DIR] [--no-freeze]

ONNX ships one test per operator form under DATA/<test_name>/ (Debian's
libonnx-testdata: /usr/share/libonnx-testdata/data/node): a one-node
model.onnx and test_data_set_*/{input_*.pb, output_*.pb}.  For every test
whose model is a single node with an op_type in --ops (default: the operators
pcc supports), this script

  1. compiles  pcc model.onnx -o WORK/<test_name>.so --emit=lib
     (stderr captured; one library per test, so no two share a path);
  2. in a fresh child process (a crash cannot take the runner down), loads the
     library with ctypes, reads the TensorProtos with the onnx package, calls
     pcc_predict with the inputs in pcc's input order (the graph inputs that
     are not initializers, matched by name with pcc_signature()), and compares
     the result with output_0.pb: numpy.allclose(got, expected, rtol=1e-4,
     atol=1e-5), shapes equal.

pcc takes only float32 model inputs; integer tensors must be initializers
(compile-time constants, as PyTorch exports Reshape's shape).  ONNX's
Reshape tests feed the shape as an int64 graph input, so when pcc refuses a
model for a non-float32 input and every such input is an int64/int32 tensor
with the same value in every data set, the runner retries once with those
inputs turned into initializers holding the test's values (WORK/<test_name>
.frozen.onnx; the test line says "['shape' frozen as initializer]").
--no-freeze turns this off; those tests are then not attempted.

Each test ends as one of
  PASS  the numbers match on every data set;
  FAIL  wrong numbers or shape, pcc crashed, printed something other than one
        'pcc: error:' line, refused a model that is in its documented scope,
        or the library returned an error / crashed;
  SKIP  not attempted: pcc refused the model with a message naming something
        its README puts out of scope (see OUT_OF_SCOPE below for the list).
Skipped tests are listed with their reason but count neither way.

Output: with --verbose one line per test; always every FAIL line, a per-op
table (tests, attempted, passed, pass rate), the not-attempted reasons, and a
last line 'N passed, M failed'.  Exit status 0 when every attempted test
passes or its failure is listed in KNOWN_FAILURES, 1 otherwise (also when a
KNOWN_FAILURES entry passes, so the list stays honest), 2 on bad usage or
missing test data.

Needs python3 with numpy and onnx (Debian: python3-onnx, python3-numpy).
"""

import argparse
import ctypes
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"

# The operators pcc imports as graph vertices (README, "Supported ONNX
# operators").  Shape, Gather, Unsqueeze, Squeeze, Concat, ConstantOfShape and
# Cast are only folded on compile-time constants, so their one-node tests
# (which feed them graph inputs) are out of scope and not in the default list.
PCC_OPS = ("Add Sub Mul Div Neg Relu LeakyRelu Sigmoid Tanh Exp Log Softmax "
           "LogSoftmax Identity Flatten Reshape Transpose Gemm MatMul "
           "Constant").split()

RTOL = 1e-4
ATOL = 1e-5
COMPILE_TIMEOUT_S = 120
RUN_TIMEOUT_S = 60

# test name -> reason.  A test listed here may fail without failing the run;
# keep it empty unless a pcc bug is reported and being worked on.
KNOWN_FAILURES = {
}

NON_FLOAT = "non-float32 model input"
DYNAMIC = "dynamic input shape"

# pcc's refusals that are out of its documented scope (README: "Models need
# float32 inputs with static shapes ... and exactly one output"; "Not yet:
# batched (N-D x N-D) MatMul; multiple model outputs; dynamic shapes").
# (regex on pcc's error line, reason shown).  Any other refusal is a FAIL.
OUT_OF_SCOPE = [
    (r"input '.*' must be a float32 tensor",
     NON_FLOAT),
    (r"has element type \w+; only float32, int64 and int32",
     "tensor of an unsupported element type"),
    (r"dimension \d+ is not static",
     DYNAMIC),
    (r"outputs; pcc supports exactly one",
     "more than one output"),
    (r"the model has no inputs",
     "no model inputs (the output is a constant)"),
    (r"is a constant: nothing to train",
     "the output is a constant"),
    (r"supported forms are N-D x 2-D",
     "batched MatMul (N-D x N-D)"),
    (r"pcc needs opset 7 or newer",
     "opset older than 7"),
]
# Only for ops outside PCC_OPS (given with --ops): pcc says it lacks them.
UNSUPPORTED_OP = (r"operator is not supported|is supported only on "
                  r"compile-time constants|operators of domain")


# ------------------------------------------------------------------ discovery

def discover(data_dir, ops):
    """[(test_name, op_type)] for the one-node tests of the given ops."""
    import onnx
    tests = []
    for name in sorted(os.listdir(data_dir)):
        path = os.path.join(data_dir, name, "model.onnx")
        if not os.path.isfile(path):
            continue
        try:
            model = onnx.load(path, load_external_data=False)
        except Exception:  # noqa: BLE001 - an unreadable model is not ours
            continue
        nodes = model.graph.node
        if len(nodes) == 1 and nodes[0].op_type in ops:
            tests.append((name, nodes[0].op_type))
    return tests


def onnx_type_string(type_proto):
    """'uint8 tensor', 'optional', 'sequence', ... for a graph input."""
    import onnx
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        elem = onnx.TensorProto.DataType.Name(type_proto.tensor_type.elem_type)
        return elem.lower() + " tensor"
    return (kind or "untyped").replace("_type", "")


def has_zero_dim(model_path):
    """Whether some graph input has a dimension fixed at 0 (an empty tensor,
    which pcc reports as 'not static')."""
    import onnx
    model = onnx.load(model_path, load_external_data=False)
    return any(d.HasField("dim_value") and d.dim_value == 0
               for i in model.graph.input
               if i.type.WhichOneof("value") == "tensor_type"
               for d in i.type.tensor_type.shape.dim)


def describe_input_types(model_path):
    """Non-float32 graph inputs, e.g. "'shape': int64 tensor"."""
    import onnx
    model = onnx.load(model_path, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    out = []
    for inp in model.graph.input:
        if inp.name in inits:
            continue
        t = inp.type
        if (t.WhichOneof("value") != "tensor_type"
                or t.tensor_type.elem_type != onnx.TensorProto.FLOAT):
            out.append("'%s': %s" % (inp.name, onnx_type_string(t)))
    return ", ".join(out)


# ------------------------------------------------------------------ one test

def classify_refusal(stderr, op, model_path):
    """(status, reason) for a pcc run that exited 1."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    if len(lines) != 1 or not lines[0].startswith("pcc: error: "):
        return "FAIL", "pcc exited 1 without a single 'pcc: error:' line: %r" % (
            stderr.strip()[-400:])
    msg = lines[0][len("pcc: error: "):]
    for pattern, reason in OUT_OF_SCOPE:
        if re.search(pattern, msg):
            if reason == DYNAMIC and has_zero_dim(model_path):
                reason = "empty tensor (an input dimension is 0)"
            if reason == NON_FLOAT:
                detail = describe_input_types(model_path)
                if detail:
                    reason += " (%s)" % detail
            return "SKIP", reason
    if re.search(UNSUPPORTED_OP, msg) and op not in PCC_OPS:
        return "SKIP", "operator not supported by pcc"
    return "FAIL", "pcc refused an in-scope model: " + msg


def freeze_integer_inputs(tdir, workdir):
    """Write a copy of the model whose int64/int32 graph inputs are
    initializers holding test_data_set_0's values (as PyTorch exports
    Reshape's shape); (path, "'shape'") or None when some non-float input is
    not an integer tensor or the data sets disagree on its value."""
    import numpy as np
    import onnx
    from onnx import numpy_helper
    model = onnx.load(os.path.join(tdir, "model.onnx"),
                      load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    ints = (onnx.TensorProto.INT64, onnx.TensorProto.INT32)
    sets = sorted(d for d in os.listdir(tdir) if d.startswith("test_data_set_"))
    if not sets:
        return None
    frozen = []
    for k, inp in enumerate(inputs):
        t = inp.type
        if (t.WhichOneof("value") == "tensor_type"
                and t.tensor_type.elem_type == onnx.TensorProto.FLOAT):
            continue
        if (t.WhichOneof("value") != "tensor_type"
                or t.tensor_type.elem_type not in ints):
            return None
        values = []
        for ds in sets:
            path = os.path.join(tdir, ds, "input_%d.pb" % k)
            if not os.path.isfile(path):
                return None
            proto = onnx.TensorProto()
            with open(path, "rb") as f:
                proto.ParseFromString(f.read())
            if proto.name and proto.name != inp.name:
                return None
            values.append(numpy_helper.to_array(proto))
        if any(not np.array_equal(values[0], v) for v in values[1:]):
            return None
        model.graph.initializer.append(
            numpy_helper.from_array(values[0], inp.name))
        frozen.append(inp.name)
    if not frozen:
        return None
    path = os.path.join(workdir, os.path.basename(tdir) + ".frozen.onnx")
    onnx.save(model, path)
    return path, ", ".join("'%s'" % n for n in frozen)


def run_test(args):
    """Worker: compile and check one test.  Returns a result dict."""
    name, op, data_dir, pcc, workdir, freeze = args
    tdir = os.path.join(data_dir, name)
    model = os.path.join(tdir, "model.onnx")
    lib = os.path.join(workdir, name + ".so")
    res = {"name": name, "op": op}
    t0 = time.time()
    try:
        p = subprocess.run([pcc, model, "-o", lib, "--emit=lib"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=COMPILE_TIMEOUT_S,
                           universal_newlines=True)
    except subprocess.TimeoutExpired:
        res.update(status="FAIL",
                   reason="pcc timed out after %ds" % COMPILE_TIMEOUT_S)
        return res
    if p.returncode == 1:
        status, reason = classify_refusal(p.stderr, op, model)
        if status == "FAIL" and os.path.exists(lib):
            reason += " (and left %s behind)" % lib
        frozen = None
        if status == "SKIP" and freeze and reason.startswith(NON_FLOAT):
            frozen = freeze_integer_inputs(tdir, workdir)
        if not frozen:
            res.update(status=status, reason=reason)
            return res
        # Second attempt with the integer inputs as initializers.
        model, names = frozen
        res["frozen"] = names
        p = subprocess.run([pcc, model, "-o", lib, "--emit=lib"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=COMPILE_TIMEOUT_S,
                           universal_newlines=True)
        if p.returncode == 1:
            status, reason = classify_refusal(p.stderr, op, model)
            res.update(status=status, reason=reason + " (%s frozen)" % names)
            return res
    if p.returncode != 0:
        how = ("killed by signal %d" % -p.returncode if p.returncode < 0
               else "exit %d" % p.returncode)
        res.update(status="FAIL", reason=("pcc crashed (%s) %s" % (
            how, p.stderr.strip()[-400:])).strip())
        return res
    if not os.path.isfile(lib):
        res.update(status="FAIL", reason="pcc exited 0 but wrote no library")
        return res

    try:
        c = subprocess.run([sys.executable, os.path.abspath(__file__),
                            "--run-one", tdir, model, lib],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=RUN_TIMEOUT_S, universal_newlines=True)
    except subprocess.TimeoutExpired:
        res.update(status="FAIL", reason="predict timed out after %ds" %
                   RUN_TIMEOUT_S)
        return res
    last = c.stdout.strip().splitlines()[-1:] or [""]
    try:
        child = json.loads(last[0])
    except ValueError:
        sig = -c.returncode if c.returncode < 0 else None
        res.update(status="FAIL", reason=(
            "library crashed (signal %d)" % sig if sig else
            "checker exited %d: %s" % (c.returncode,
                                        (c.stderr or c.stdout).strip()[-400:])))
        return res
    res.update(child)
    res["seconds"] = round(time.time() - t0, 2)
    return res


def run_one(tdir, model_path, lib):
    """Child process: load LIB (compiled from MODEL_PATH, TDIR's model or its
    frozen copy), feed the data sets of TDIR, compare.

    Prints one JSON object {status, reason}."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    def done(status, reason=""):
        print(json.dumps({"status": status, "reason": reason}), flush=True)
        return 0

    def model_inputs(path):
        model = onnx.load(path, load_external_data=False)
        inits = {t.name for t in model.graph.initializer}
        return [i.name for i in model.graph.input if i.name not in inits]

    # The data files follow the original model's inputs; pcc's follow the
    # compiled model's (fewer when integer inputs were frozen).
    data_inputs = model_inputs(os.path.join(tdir, "model.onnx"))
    graph_inputs = model_inputs(model_path)

    so = ctypes.CDLL(lib)
    so.pcc_signature.restype = ctypes.c_char_p
    so.pcc_create.restype = ctypes.c_void_p
    so.pcc_destroy.argtypes = [ctypes.c_void_p]
    so.pcc_predict.argtypes = [ctypes.c_void_p,
                               ctypes.POINTER(ctypes.c_void_p),
                               ctypes.c_void_p]
    so.pcc_predict.restype = ctypes.c_int
    so.pcc_last_error.argtypes = [ctypes.c_void_p]
    so.pcc_last_error.restype = ctypes.c_char_p
    sig = json.loads(so.pcc_signature().decode())
    sig_inputs = sig["inputs"]
    out_shape = tuple(sig["output"]["shape"])
    if [i["name"] for i in sig_inputs] != graph_inputs:
        return done("FAIL", "pcc's inputs %s are not the graph inputs %s" % (
            [i["name"] for i in sig_inputs], graph_inputs))

    sets = sorted(d for d in os.listdir(tdir) if d.startswith("test_data_set_"))
    if not sets:
        return done("SKIP", "no test data sets")
    m = so.pcc_create()
    if not m:
        return done("FAIL", "pcc_create returned NULL")
    try:
        for ds in sets:
            dpath = os.path.join(tdir, ds)

            def load(kind, n):
                t = onnx.TensorProto()
                with open(os.path.join(dpath, "%s_%d.pb" % (kind, n)), "rb") as f:
                    t.ParseFromString(f.read())
                return t

            n_in = len([f for f in os.listdir(dpath) if f.startswith("input_")])
            n_out = len([f for f in os.listdir(dpath) if f.startswith("output_")])
            if n_out != 1:
                return done("SKIP", "%d expected outputs" % n_out)
            protos = [load("input", k) for k in range(n_in)]
            # Match by name when the protos are named, else by position
            # (ONNX's own runner feeds the non-initializer graph inputs in order).
            by_name = {t.name: t for t in protos if t.name}
            if not all(n in by_name for n in graph_inputs):
                if len(protos) != len(data_inputs):
                    return done("FAIL", "%d input files for %d model inputs" % (
                        len(protos), len(data_inputs)))
                by_name = dict(zip(data_inputs, protos))
            ordered = [by_name[n] for n in graph_inputs]
            arrays = []
            for spec, t in zip(sig_inputs, ordered):
                if t.data_type != onnx.TensorProto.FLOAT:
                    return done("SKIP", "non-float32 input data")
                # np.array, not ascontiguousarray: that makes rank 0 rank 1.
                a = np.array(numpy_helper.to_array(t), dtype=np.float32,
                             order="C")
                if tuple(a.shape) != tuple(spec["shape"]):
                    return done("FAIL", "input '%s' has shape %s, pcc expects %s"
                                % (spec["name"], list(a.shape), spec["shape"]))
                arrays.append(a)
            expected_proto = load("output", 0)
            if expected_proto.data_type != onnx.TensorProto.FLOAT:
                return done("SKIP", "non-float32 expected output")
            expected = numpy_helper.to_array(expected_proto)
            if tuple(expected.shape) != out_shape:
                return done("FAIL", "output shape %s, expected %s" % (
                    list(out_shape), list(expected.shape)))
            got = np.full(out_shape, np.nan, dtype=np.float32)
            ptrs = (ctypes.c_void_p * max(1, len(arrays)))(
                *[a.ctypes.data for a in arrays])
            rc = so.pcc_predict(m, ptrs, got.ctypes.data)
            if rc != 0:
                err = so.pcc_last_error(m)
                return done("FAIL", "pcc_predict returned %d: %s" % (
                    rc, err.decode() if err else ""))
            if not np.allclose(got, expected, rtol=RTOL, atol=ATOL,
                               equal_nan=True):
                diff = np.abs(got.astype(np.float64) - expected)
                bad = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL,
                                  equal_nan=True)
                k = int(np.argmax(np.where(bad, diff, -1)))
                idx = np.unravel_index(k, expected.shape) if expected.ndim else ()
                return done("FAIL", "%s: %d of %d values differ; at %s expected "
                            "%.7g, got %.7g (max abs err %.3g)" % (
                                ds, int(bad.sum()), expected.size,
                                list(map(int, idx)), float(expected.flat[k]),
                                float(got.flat[k]), float(np.nanmax(diff))))
    finally:
        so.pcc_destroy(m)
    return done("PASS", "%d data set(s)" % len(sets))


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(
        description="Run ONNX node conformance tests through pcc.")
    ap.add_argument("--pcc", help="the pcc binary")
    ap.add_argument("--ops", default=",".join(PCC_OPS),
                    help="comma-separated op types (default: pcc's)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--workdir",
                    help="keep the libraries here (default: a temporary "
                    "directory, removed afterwards)")
    ap.add_argument("--data", default=DEFAULT_DATA,
                    help="node test directory (default %s)" % DEFAULT_DATA)
    ap.add_argument("--no-freeze", action="store_true",
                    help="do not retry models with integer inputs (Reshape's "
                    "shape) with those inputs frozen as initializers")
    ap.add_argument("--run-one", nargs=3, metavar=("TESTDIR", "MODEL", "LIB"),
                    help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.run_one:
        return run_one(*a.run_one)
    if not a.pcc:
        ap.error("--pcc is required")
    pcc = os.path.abspath(a.pcc)
    if not os.access(pcc, os.X_OK):
        print("error: %s is not an executable" % pcc, file=sys.stderr)
        return 2
    if not os.path.isdir(a.data):
        print("error: no node tests at %s (Debian: apt-get install "
              "libonnx-testdata)" % a.data, file=sys.stderr)
        return 2
    if a.jobs < 1:
        ap.error("--jobs must be at least 1")
    ops = [o for o in a.ops.split(",") if o]

    tests = discover(a.data, set(ops))
    if not tests:
        print("error: no one-node tests for %s in %s" % (",".join(ops), a.data),
              file=sys.stderr)
        return 2

    if a.workdir:
        workdir = os.path.abspath(a.workdir)
        os.makedirs(workdir, exist_ok=True)
    else:
        workdir = tempfile.mkdtemp(prefix="pcc-conformance-")
    start = time.time()
    jobs = [(name, op, a.data, pcc, workdir, not a.no_freeze)
            for name, op in tests]
    results = []
    try:
        with multiprocessing.Pool(a.jobs) as pool:
            for r in pool.imap(run_test, jobs):
                results.append(r)
                st = r["status"]
                if st == "FAIL" and r["name"] in KNOWN_FAILURES:
                    st = "XFAIL"
                    r["reason"] += "  [known: %s]" % KNOWN_FAILURES[r["name"]]
                elif st == "PASS" and r["name"] in KNOWN_FAILURES:
                    st = "XPASS"
                    r["reason"] = ("listed in KNOWN_FAILURES (%s) but passes; "
                                   "remove it" % KNOWN_FAILURES[r["name"]])
                r["shown"] = st
                if a.verbose or st in ("FAIL", "XPASS"):
                    line = "%-5s %-45s %-11s" % (st, r["name"], r["op"])
                    if r.get("reason") and (st != "PASS" or a.verbose):
                        line += " " + r["reason"]
                    if r.get("frozen") and r["status"] != "SKIP":
                        line += " [%s frozen as initializer]" % r["frozen"]
                    print(line.rstrip(), flush=True)
    finally:
        if not a.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    # Per-op table, in --ops order.
    print()
    print("%-16s %6s %10s %7s %10s" % ("op", "tests", "attempted", "passed",
                                       "pass rate"))
    for op in ops:
        rs = [r for r in results if r["op"] == op]
        if not rs:
            print("%-16s %6d %10s %7s %10s" % (op, 0, "-", "-", "-"))
            continue
        att = [r for r in rs if r["status"] != "SKIP"]
        ok = [r for r in att if r["status"] == "PASS"]
        rate = "%.0f%%" % (100.0 * len(ok) / len(att)) if att else "-"
        print("%-16s %6d %10d %7d %10s" % (op, len(rs), len(att), len(ok), rate))

    skipped = [r for r in results if r["status"] == "SKIP"]
    if skipped:
        print()
        print("not attempted (%d):" % len(skipped))
        reasons = {}
        for r in skipped:
            reasons.setdefault(r["reason"], []).append(r["name"])
        for reason, names in sorted(reasons.items()):
            print("  %s: %s" % (reason, " ".join(names)))

    passed = sum(r["status"] == "PASS" for r in results)
    failed = sum(r["status"] == "FAIL" for r in results)
    unexpected = sum(r["shown"] in ("FAIL", "XPASS") for r in results)
    known = sum(r["shown"] == "XFAIL" for r in results)
    print()
    if known:
        print("%d of the failures are in KNOWN_FAILURES" % known)
    print("(%d tests, %d not attempted, %.1f s, --jobs %d)" % (
        len(results), len(skipped), time.time() - start, a.jobs))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
