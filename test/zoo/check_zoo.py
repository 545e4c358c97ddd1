#!/usr/bin/python3
"""Check pcc on the model zoo (real architectures) against PyTorch.

    check_zoo.py --pcc build/bin/pcc --fixtures DIR --model NAME[,NAME...]|all
        --export eval|preserve|both --algorithm bp,fpa,zil,il
        [--timeout S] [--work DIR] [--keep] [--tol 1e-4]
        [--il-steps 10,100] [--il-rate 0.1]

The fixtures (NAME.json, NAME.eval.onnx, NAME.preserve.onnx, NAME.*.bin)
come from gen_zoo.py.  For every model, export and algorithm this compiles

    pcc DIR/NAME.EXPORT.onnx -o WORK/NAME_EXPORT_ALG.so --algorithm=ALG --loss=ce

with, for fpa, --inference-rate=1 --inference-steps=D, D the graph depth the
signature JSON of an already compiled library of the same model and export
reports under "depth" (when the algorithm list has no bp, bp is compiled
first to read it; a bp that failed to compile is not retried); without the
key, max(200, the fixture's depth_estimate); for il, --inference-rate=R
--inference-steps=T for every T of --il-steps (R = --il-rate; without
them, the fixture's "il_steps" and "il_rate" where it has them, else
10,100 and 0.1; eval exports only the first T).  It prints the compile wall time, then loads the library
with ctypes in a child process (a crash or a hang is a FAIL, and the run
goes on) and checks, each as one PASS/FAIL line:

  every export, every algorithm:
    - pcc_signature() is JSON, pcc_create() is not NULL;
    - pcc_predict() returns 0 and max |pcc - torch| <= 1e-4 * max |torch|;
  eval exports (folded: parameter names are the exporter's, so no more):
    - pcc_compute_gradients() returns 0 and stats.loss is the torch loss
      (relative 1e-4);  il is compiled once, at the first T;
  preserve exports, bp, fpa, zil:
    - every torch parameter (named_parameters) is a library parameter
      (pcc_num_params / pcc_param_name) of the same shape;
    - pcc_param_data() holds the torch values;
    - pcc_compute_gradients() returns 0, stats.loss as above;
    - for every torch parameter ||g - ref|| / max(||ref||, 1e-12) <= --tol
      (one line; the worst 3 parameters are printed);
  preserve exports, il:
    - the parameters and the forward pass as above, at every T;
    - the cosine of the concatenated gradient (over the torch parameters)
      with the torch gradient does not decrease from one T to the next
      (slack 1e-6), unless both are above 0.99; the cosines are printed.
      The target is the small-output-error one of check_gradients.py
      --il-trend: t_s = base + 0.1 (t - base), base = softmax of the
      library's own prediction, whose exact gradient is 0.1 x the stored
      one, so the cosine compares with the stored gradient unchanged.

A compile failure is a FAIL line with pcc's stderr; the next case follows.
Needs only python3 and numpy.  Exit status 0 when every check passes, 1
otherwise, 2 on bad usage.  The last line is 'N passed, M failed'.
"""

import argparse
import json
import math
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pcc_testlib import (Library, Results, SetupError,  # noqa: E402
                         build_trend_target, cosine, model_names, read_f32,
                         rel_err)

ALGORITHMS = ["bp", "zil", "fpa", "il"]       # the order cases run in
EXPORTS = ["eval", "preserve"]
FORWARD_RTOL = 1e-4
LOSS_RTOL = 1e-4
IL_SLACK = 1e-6
IL_PLATEAU = 0.99
IL_TARGET_SCALE = 0.1
DEPTH_FALLBACK = 200


# ----------------------------------------------------------------- fixtures

class Fixture:
    """NAME.json and its tensors; the parameter tensors are read on demand."""

    def __init__(self, directory, name):
        self.dir = directory
        self.name = name
        path = os.path.join(directory, name + ".json")
        if not os.path.isfile(path):
            raise SetupError("no fixture %s" % path)
        with open(path) as f:
            self.desc = d = json.load(f)
        try:
            if d["loss"] != "ce":
                raise SetupError("%s: loss %r, the zoo is ce" % (path, d["loss"]))
            self.exports = {k: os.path.join(directory, v)
                            for k, v in d["exports"].items()}
            self.input_specs = d["inputs"]
            self.target_spec = (d["target_file"], d["target_shape"])
            self.output_spec = (d["output_file"], d["output_shape"])
            self.loss_value = float(d["loss_value"])
            self.params = [(p["name"], tuple(p["shape"]), p["grad_file"],
                            p.get("value_file")) for p in d["params"]]
            self.depth_estimate = int(d.get("depth_estimate", 0))
        except KeyError as e:
            raise SetupError("%s: missing key %s" % (path, e))
        if not self.params:
            raise SetupError("%s: no parameters" % path)

    def read(self, fname, shape):
        return read_f32(self.dir, fname, shape)

    def inputs(self):
        return [self.read(i["file"], i["shape"]) for i in self.input_specs]

    def target(self):
        return self.read(*self.target_spec)

    def output(self):
        return self.read(*self.output_spec)


# ------------------------------------------------------------------ helpers

def signature_depth(sig_text):
    try:
        sig = json.loads(sig_text)
    except ValueError:
        return None
    d = sig.get("depth") if isinstance(sig, dict) else None
    return int(d) if isinstance(d, (int, float)) and d >= 0 else None


# ------------------------------------------------- checks (child process)

def check_forward(res, lib, fx, tag, inputs, ref_y):
    """Signature, create, predict. Returns the prediction or None."""
    sig = lib.signature()
    try:
        json.loads(sig)
        res.check(True, tag + "pcc_signature() is JSON")
    except ValueError as e:
        res.check(False, tag + "pcc_signature() is JSON", "%s: %r" % (e, sig[:200]))
    depth = signature_depth(sig)
    print("      signature depth: %s" % ("absent" if depth is None else depth),
          flush=True)
    if not res.check(lib.open(null_ok=True), tag + "pcc_create() != NULL"):
        return None
    rc, y = lib.predict(inputs, ref_y.shape)
    if not res.check(rc == 0, tag + "pcc_predict() == 0",
                     "" if rc == 0 else "rc %d: %s" % (rc, lib.error())):
        return None
    scale = float(np.max(np.abs(ref_y)))
    tol = FORWARD_RTOL * scale
    if np.isfinite(y).all():
        diff = float(np.max(np.abs(y.astype(np.float64) - ref_y)))
        detail = "max |diff| %.3g (tol %.3g = 1e-4 * max|torch| %.4g)" % (
            diff, tol, scale)
    else:
        diff, detail = float("inf"), "non-finite output"
    res.check(diff <= tol, tag + "output matches torch", detail)
    return y


def check_loss(res, lib, fx, tag, inputs, target):
    rc, st = lib.compute_gradients(inputs, target)
    if not res.check(rc == 0, tag + "pcc_compute_gradients() == 0",
                     "" if rc == 0 else "rc %d: %s" % (rc, lib.error())):
        return False
    print("      stats: loss %.7g  energy %.7g  steps %d"
          % (st.loss, st.energy, st.steps), flush=True)
    lerr = abs(st.loss - fx.loss_value) / max(abs(fx.loss_value), 1e-12)
    res.check(lerr <= LOSS_RTOL, tag + "stats.loss == %.7g (rel 1e-4)"
              % fx.loss_value, "got %.7g, rel err %.3g" % (st.loss, lerr))
    return True


def check_param_meta(res, lib, fx, tag):
    """Torch parameters among the library's, same shapes, same values.
    Returns {torch name: library index} of those found with the right shape."""
    have = lib.params()
    found, missing, wrong = {}, [], []
    for name, shape, _, _ in fx.params:
        if name not in have:
            missing.append(name)
        elif have[name][1] != shape:
            wrong.append("%s %s (library %s)" % (
                name, list(shape), None if have[name][1] is None
                else list(have[name][1])))
        else:
            found[name] = have[name][0]
    detail = "%d torch parameters, library has %d" % (len(fx.params), len(have))
    if missing:
        detail += "; %d missing: %s%s" % (len(missing), ", ".join(missing[:8]),
                                          " ..." if len(missing) > 8 else "")
    if wrong:
        detail += "; %d with another shape: %s%s" % (
            len(wrong), ", ".join(wrong[:4]), " ..." if len(wrong) > 4 else "")
    res.check(not missing and not wrong,
              tag + "torch parameters are library parameters (name, shape)",
              detail)
    bad, worst = [], 0.0
    for name, shape, _, vf in fx.params:
        if name not in found or vf is None:
            continue
        n = int(np.prod(shape))
        d = lib.param_data(found[name], n)
        want = fx.read(vf, shape).ravel()
        if d is None or not np.array_equal(d, want):
            bad.append(name)
            if d is not None:
                worst = max(worst, float(np.max(np.abs(d - want))))
    res.check(not bad, tag + "pcc_param_data() == torch values (%d parameters)"
              % len(found), "%d differ (max |diff| %.3g): %s" % (
                  len(bad), worst, ", ".join(bad[:6])) if bad else "")
    return found


def read_grads(lib, fx, found):
    out = {}
    for name, shape, _, _ in fx.params:
        if name in found:
            out[name] = lib.param_grad(found[name], int(np.prod(shape)))
    return out


def run_child(spec):
    """One model/export/algorithm: spec = {fixtures, model, export, alg,
    libs: [[T, path], ...], tol}."""
    res = Results()
    fx = Fixture(spec["fixtures"], spec["model"])
    export, alg = spec["export"], spec["alg"]
    inputs, target = fx.inputs(), fx.target()
    ref_y = fx.output().astype(np.float64)
    rows = []
    for T, path in spec["libs"]:
        tag = "%s/%s/%s%s: " % (fx.name, export, alg,
                                " T=%d" % T if alg == "il" else "")
        lib = Library(path)
        try:
            y = check_forward(res, lib, fx, tag, inputs, ref_y)
            if y is None:
                continue
            if export == "eval":
                check_loss(res, lib, fx, tag, inputs, target)
                continue
            found = check_param_meta(res, lib, fx, tag)
            if alg != "il":
                if not check_loss(res, lib, fx, tag, inputs, target):
                    continue
                grads = read_grads(lib, fx, found)
                errs, absent = [], 0
                for name, shape, gf, _ in fx.params:
                    if name not in found:
                        absent += 1
                        continue
                    g = grads[name]
                    ref = fx.read(gf, shape).ravel().astype(np.float64)
                    errs.append((float("inf") if g is None or
                                 not np.isfinite(g).all() else rel_err(g, ref),
                                 name))
                errs.sort(key=lambda e: -e[0] if math.isfinite(e[0]) else -1e300)
                over = sum(1 for e, _ in errs if not e <= spec["tol"])
                detail = "%d/%d over tol %.0e" % (over, len(errs), spec["tol"])
                if absent:
                    detail += ", %d absent from the library" % absent
                detail += "; worst: " + ", ".join(
                    "%s %.3e" % (n, e) for e, n in errs[:3])
                res.check(over == 0 and absent == 0 and errs,
                          tag + "gradients match torch (rel L2)", detail)
                continue
            # il: cosine with the torch gradient, small-output-error target
            if len(found) != len(fx.params):
                res.check(False, tag + "il gradient", "torch parameters missing")
                rows.append((T, float("nan"), None))
                continue
            rc, st = lib.compute_gradients(
                inputs, build_trend_target(y, target, IL_TARGET_SCALE))
            if not res.check(rc == 0, tag + "pcc_compute_gradients() == 0",
                             "" if rc == 0 else "rc %d: %s" % (rc, lib.error())):
                rows.append((T, float("nan"), None))
                continue
            grads = read_grads(lib, fx, found)
            if any(g is None for g in grads.values()):
                res.check(False, tag + "pcc_param_grad", "NULL")
                rows.append((T, float("nan"), st))
                continue
            g = np.concatenate([grads[n].astype(np.float64) for n, _, _, _ in fx.params])
            ref = np.concatenate([fx.read(gf, s).ravel().astype(np.float64)
                                  for _, s, gf, _ in fx.params])
            rows.append((T, cosine(g, ref), st))
        finally:
            lib.close()
    if alg == "il" and export == "preserve":
        print("      il: rate %g, target scale %g" % (spec["rate"], IL_TARGET_SCALE))
        print("      %8s  %12s  %12s  %12s  %6s" % ("T", "cosine", "loss",
                                                   "energy", "steps"))
        for T, c, st in rows:
            print("      %8d  %12.8f  %12.6g  %12.6g  %6s" % (
                T, c, st.loss if st else float("nan"),
                st.energy if st else float("nan"), st.steps if st else "-"))
        cs = [c for _, c, _ in rows]
        ok = len(rows) == len(spec["libs"]) and len(rows) >= 2 and all(
            math.isfinite(c) for c in cs)
        bad = []
        for (T0, c0, _), (T1, c1, _) in zip(rows, rows[1:]):
            if not (c1 >= c0 - IL_SLACK or (c0 > IL_PLATEAU and c1 > IL_PLATEAU)):
                bad.append("T=%d %.6f -> T=%d %.6f" % (T0, c0, T1, c1))
        res.check(ok and not bad, "%s/%s/il: cosine with torch increases with T "
                  "(or stays > %g)" % (fx.name, export, IL_PLATEAU),
                  "cosines " + ", ".join("T=%d %.6f" % (T, c) for T, c, _ in rows)
                  + ("; " + "; ".join(bad) if bad else ""))
    res.summary()
    return 0 if res.failed == 0 else 1


# ----------------------------------------------------------- parent process

def run_pcc(args, onnx_path, out, flags):
    cmd = [args.pcc, onnx_path, "-o", out] + flags
    print("$ " + " ".join(cmd), flush=True)
    if os.path.exists(out):
        os.remove(out)
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return "pcc timed out after %ds" % args.timeout, time.time() - t0
    except OSError as e:
        return "cannot run %s: %s" % (args.pcc, e), time.time() - t0
    wall = time.time() - t0
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip()
        if len(err) > 4000:
            err = err[:2000] + "\n...\n" + err[-2000:]
        return "pcc exited with %d: %s" % (p.returncode, err), wall
    if not os.path.isfile(out):
        return "pcc exited 0 but wrote no %s" % out, wall
    return None, wall


def compile_case(args, res, fx, export, alg, flags, so, label):
    err, wall = run_pcc(args, fx.exports[export], so,
                        ["--algorithm=" + alg, "--loss=ce"] + flags)
    size = os.path.getsize(so) / 2**20 if err is None else 0.0
    res.check(err is None, "compile %s.%s --algorithm=%s%s" % (
        fx.name, export, alg, label),
        ("%.1fs, %.1f MiB" % (wall, size)) if err is None
        else "%.1fs: %s" % (wall, err))
    return err is None


def child_cmd(extra):
    return [sys.executable, os.path.abspath(__file__)] + extra


def read_signature(args, so):
    try:
        p = subprocess.run(child_cmd(["--_signature", so]),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return None
    return p.stdout.decode(errors="replace") if p.returncode == 0 else None


def run_checks(args, res, spec):
    """Run the checks of one case in a child; fold its PASS/FAIL lines in."""
    what = "%s/%s/%s: checks" % (spec["model"], spec["export"], spec["alg"])
    try:
        p = subprocess.Popen(child_cmd(["--_child", json.dumps(spec)]),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as e:
        res.check(False, what, str(e))
        return
    counted = 0
    t0 = time.time()
    try:
        sel = selectors.DefaultSelector()
        sel.register(p.stdout, selectors.EVENT_READ)
        buf = b""
        while True:
            left = args.timeout - (time.time() - t0)
            if left <= 0:
                p.kill()
                p.wait()
                res.check(False, what, "timed out after %ds" % args.timeout)
                return
            if not sel.select(timeout=min(left, 5.0)):
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith("PASS  "):
                    res.passed += 1
                    counted += 1
                elif text.startswith("FAIL  "):
                    res.failed += 1
                    counted += 1
                elif text.endswith(" failed") and " passed, " in text:
                    continue              # the child's summary
                print(text, flush=True)
        rc = p.wait()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if rc != 0 and (rc < 0 or counted == 0):
        res.check(False, what, "child %s%s" % (
            "killed by signal %d" % -rc if rc < 0 else "exited with %d" % rc,
            "" if not buf else ": " + buf.decode(errors="replace")[-2000:]))


def run_model(args, res, fx, work):
    for export in args.exports:
        if export not in fx.exports or not os.path.isfile(fx.exports[export]):
            res.check(False, "%s.%s" % (fx.name, export), "no ONNX file")
            continue
        depth = None                      # from the first library's signature
        built = {}                        # alg -> .so
        tried = set()                     # algorithms compiled (or tried)
        for alg in args.algorithms:
            base = os.path.join(work, "%s_%s_%s" % (fx.name, export, alg))
            if alg == "il":
                # The fixture's own rate and T values where it has them
                # (unless given on the command line).
                rate = (args.il_rate if args.il_rate_given
                        else float(fx.desc.get("il_rate", args.il_rate)))
                il_steps = (args.il_steps if args.il_steps_given
                            else [int(t) for t in fx.desc.get("il_steps",
                                                              args.il_steps)])
                steps = il_steps[:1] if export == "eval" else il_steps
                libs = []
                for T in steps:
                    so = "%s_T%d.so" % (base, T)
                    if compile_case(args, res, fx, export, alg,
                                    ["--inference-rate=%r" % rate,
                                     "--inference-steps=%d" % T], so,
                                    " T=%d rate %g" % (T, rate)):
                        libs.append([T, so])
                if len(libs) < len(steps) and export == "preserve":
                    res.check(False, "%s/%s/il: cosine trend" % (fx.name, export),
                              "not every T compiled")
                    libs = []
                if libs:
                    run_checks(args, res, dict(
                        fixtures=args.fixtures, model=fx.name, export=export,
                        alg=alg, libs=libs, tol=args.tol, rate=rate))
                continue
            flags, label = [], ""
            if alg == "fpa":
                if depth is None:
                    if "bp" not in tried:
                        probe = os.path.join(work, "%s_%s_bp.so" % (fx.name, export))
                        print("      (compiling bp to read the depth)", flush=True)
                        tried.add("bp")
                        if compile_case(args, res, fx, export, "bp", [], probe,
                                        " (depth probe)"):
                            built["bp"] = probe
                    for so in built.values():
                        depth = signature_depth(read_signature(args, so) or "")
                        if depth is not None:
                            break
                if depth is None:
                    steps = max(DEPTH_FALLBACK, fx.depth_estimate)
                    label = " steps %d (no 'depth' in the signature: fallback)" % steps
                else:
                    steps = depth
                    label = " steps %d (signature depth)" % steps
                flags = ["--inference-rate=1", "--inference-steps=%d" % steps]
            so = base + ".so"
            tried.add(alg)
            if not compile_case(args, res, fx, export, alg, flags, so, label):
                continue
            built[alg] = so
            run_checks(args, res, dict(
                fixtures=args.fixtures, model=fx.name, export=export, alg=alg,
                libs=[[0, so]], tol=args.tol, rate=1.0))


def parse_list(text, allowed, what, ap):
    items = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in items if s not in allowed]
    if bad or not items:
        ap.error("bad %s %s (choose from %s)" % (what, ",".join(bad) or "''",
                                                 ",".join(allowed)))
    return items


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Check pcc on the model zoo against PyTorch.",
        epilog="See the module docstring (head of this file) for the checks.")
    ap.add_argument("--pcc", required=True, help="the pcc compiler driver")
    ap.add_argument("--fixtures", required=True,
                    help="directory written by gen_zoo.py")
    ap.add_argument("--model", required=True,
                    help="model name(s), comma-separated, or 'all'")
    ap.add_argument("--export", required=True,
                    choices=["eval", "preserve", "both"])
    ap.add_argument("--algorithm", required=True,
                    help="comma-separated list of bp, fpa, zil, il")
    ap.add_argument("--tol", type=float, default=1e-4,
                    help="relative L2 gradient error allowed (default 1e-4)")
    ap.add_argument("--il-steps", default=None,
                    help="T values of the il trend (default: the fixture's "
                         "il_steps, else 10,100)")
    ap.add_argument("--il-rate", type=float, default=None,
                    help="il inference rate (default: the fixture's "
                         "il_rate, else 0.1)")
    ap.add_argument("--timeout", type=int, default=3600,
                    help="seconds allowed per pcc run and per check run "
                         "(default 3600)")
    ap.add_argument("--work", default=None,
                    help="where the libraries go (default: a temporary "
                         "directory, removed afterwards)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    args = ap.parse_args(argv)
    algs = parse_list(args.algorithm, ALGORITHMS, "algorithm", ap)
    args.algorithms = [a for a in ALGORITHMS if a in algs]
    args.exports = EXPORTS if args.export == "both" else [args.export]
    args.il_steps_given = args.il_steps is not None
    args.il_rate_given = args.il_rate is not None
    args.il_steps = args.il_steps if args.il_steps_given else "10,100"
    args.il_rate = args.il_rate if args.il_rate_given else 0.1
    try:
        args.il_steps = [int(s) for s in args.il_steps.split(",") if s.strip()]
    except ValueError:
        ap.error("--il-steps must be comma-separated integers")
    if not args.il_steps or args.il_steps != sorted(set(args.il_steps)) or \
            args.il_steps[0] < 1:
        ap.error("--il-steps must be increasing positive integers")
    if args.tol <= 0 or args.timeout <= 0 or args.il_rate <= 0:
        ap.error("--tol, --timeout and --il-rate must be positive")
    if not os.path.isdir(args.fixtures):
        ap.error("no fixture directory %s" % args.fixtures)
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "--_signature":
        try:
            print(Library(argv[1]).signature())
        except SetupError as e:
            print(e, file=sys.stderr)
            return 1
        return 0
    if len(argv) == 2 and argv[0] == "--_child":
        try:
            return run_child(json.loads(argv[1]))
        except SetupError as e:
            Results().check(False, "setup", str(e))
            print("0 passed, 1 failed")
            return 1
    args = parse_args(argv)
    res = Results()
    own_work = args.work is None
    work = tempfile.mkdtemp(prefix="pcc_zoo_") if own_work else args.work
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    try:
        for name in model_names(args.model, args.fixtures):
            try:
                fx = Fixture(args.fixtures, name)
            except SetupError as e:
                res.check(False, name, str(e))
                continue
            run_model(args, res, fx, work)
    except SetupError as e:
        res.check(False, "setup", str(e))
    finally:
        if own_work and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif own_work:
            print("libraries kept in " + work)
    print("total %.1fs" % (time.time() - t0))
    res.summary()
    return 0 if res.failed == 0 and res.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
