#!/usr/bin/python3
"""Check the gradients of a pcc-compiled library against PyTorch fixtures.

    check_gradients.py --pcc build/bin/pcc --fixtures DIR --model NAME \\
        --algorithm bp|fpa|zil|il [--steps T] [--rate G] [--tol 1e-4]
    check_gradients.py --pcc build/bin/pcc --fixtures DIR --model NAME \\
        --algorithm il --il-trend [--il-steps 10,30,100,300,1000] [--rate 0.1]
        [--include-skipped]
    check_gradients.py --pcc build/bin/pcc --fixtures DIR --model NAME \
        --algorithm epc --epc-check [--steps 20] [--rate 0.5]

The fixtures (NAME.onnx, NAME.json, NAME.*.bin) come from gen_fixtures.py.
Default mode compiles DIR/NAME.onnx with

    pcc DIR/NAME.onnx -o WORK/NAME_ALG.so --algorithm=ALG --loss=<json>
        --inference-steps=T --inference-rate=G

where T is --steps, else the fixture's "fpa_steps" for fpa (at least 50,
about 3x the fixture's generous depth estimate, so that fpa with gamma 1
reaches the backprop adjoint: the unrolled recurrent fixtures are 25-48
vertices deep), 50 for bp and zil (which ignore it) and 20 for il; then it
loads the library with ctypes and checks, each as one PASS/FAIL line:
  - pcc_signature() is JSON; pcc_num_params() and every pcc_param_name /
    rank / shape match the fixture (ONNX initializer order);
  - pcc_param_data() holds the ONNX initializer values after pcc_create();
  - pcc_predict() matches the torch output (rtol 1e-4, atol 1e-5);
  - pcc_compute_gradients(): stats.loss matches the torch loss (relative
    1e-4), and for every parameter ||g - ref|| / max(||ref||, 1e-12) <= tol;
  - pcc_compute_gradients() changes nothing: the parameters and the
    prediction are unchanged, and a second call gives the same gradients;
  - an unknown hyper-parameter name is refused with a message.

--il-trend compiles --algorithm=il at each T of --il-steps with rate --rate
(0.1 by default) and checks what the theory says: the cosine similarity of
the concatenated gradient with the torch gradient does not decrease as T
grows (slack --il-slack; once the cosine is above the plateau -- the
fixture's "il_plateau", else --il-plateau -- the later values need only
stay above it, since near the fixed point the remaining
O(output error) bias can move the cosine by ~1e-6 either way), and the last
one is above --il-min-cos (0.99).  To keep the output error small (IL
approximates BP only there) the trend uses the target
    t_s = base + s * (t - base),  s = --il-target-scale (0.1),
with base = the library's own prediction (mse) or its softmax (ce; t_s is
then a soft probability vector).  The exact gradient for t_s is s times the
fixture's gradient (the loss gradient is linear in base - t), so the cosine
is compared with the fixture's gradient unchanged.  Early T values are not
monotone in general (on reshape_logsoftmax the cosine dips for T = 2..14
while the error reaches the first layers), hence the default list starts
at T = 10.  Without --il-steps each fixture's "il_trend_steps" is used
(10,30,100,300,1000, or 10,100,1000,3000,10000 for the deeper graphs that
relax more slowly); a fixture whose json has "il_trend_skip" instead is
reported as SKIP with that reason (neither passed nor failed) unless
--include-skipped is given.

--nudge-check compiles --algorithm=il at --steps (by default the last T of
the fixture's il trend, at least 2000) five times: plain (the positive
nudge at beta 1), --nudge-mode=positive at --nudge=0.3 and 0.1, and
--nudge-mode=centered at 0.1 and 0.01, and checks on the fixture's own
target, with the relative error of the concatenated gradient against
torch's: the positive nudge's error shrinks with beta (1 > 0.3 > 0.1, the
last step waived below --nudge-floor, 5e-3, where float32 rounding
dominates); the centered one at 0.1 is below plain il's and within
--nudge-max-err (0.05); at 0.01 its cosine is >= --nudge-min-cos (0.999).
A fixture's json may lower the bounds (nudge_max_err, nudge_min_cos) where
il itself has not converged.  Below beta ~ 0.05 the float32 errors of the
early layers lose their precision (eps = x - mu of two nearly equal
values), so the error grows again: beta trades bias against rounding.

--epc-check compiles --algorithm=epc (error-space relaxation) at --steps
(20) and --rate (0.5) and checks, on the il trend's scaled target, that its
gradient's cosine with torch's is above il's at the same T and at least
il's at the fixture's longest il-trend T less --epc-slack (1e-4): epc
relaxes to il's fixed point, in 20 steps where il takes 10^3-10^4 (a
fixture with "il_trend_skip" skips the second); and, on the fixture's own
target, that epc with --nudge-mode=centered --nudge=0.01 at the same T is
within --epc-max-err (1e-2) of torch's gradient (measured 1e-6-6e-5, the
attention block 3.6e-3: epc carries the errors themselves, so small
nudges keep their precision).

Needs only python3 and numpy.  Exit status 0 when every check passes, 1
otherwise, 2 on bad usage.  The last line is 'N passed, M failed'.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pcc_testlib import (Library, Results, SetupError,  # noqa: E402
                         build_trend_target, cosine, model_names, read_f32,
                         rel_err)


# ----------------------------------------------------------------- fixtures

class Fixture:
    def __init__(self, directory, name):
        self.dir = directory
        self.name = name
        self.onnx = os.path.join(directory, name + ".onnx")
        path = os.path.join(directory, name + ".json")
        if not os.path.isfile(path):
            raise SetupError("no fixture %s" % path)
        if not os.path.isfile(self.onnx):
            raise SetupError("no model %s" % self.onnx)
        with open(path) as f:
            self.desc = d = json.load(f)
        try:
            self.loss_kind = d["loss"]
            if self.loss_kind not in ("ce", "mse"):
                raise SetupError("%s: unknown loss %r" % (path, self.loss_kind))
            self.batch = int(d["batch"])
            self.inputs = [(i["name"], self.read(i["file"], i["shape"]))
                           for i in d["inputs"]]
            self.target = self.read(d["target_file"], d["target_shape"])
            self.output = self.read(d["output_file"], d.get(
                "output_shape", d["target_shape"]))
            self.loss_value = float(d["loss_value"])
            self.params = []
            for p in d["params"]:
                grad = self.read(p["grad_file"], p["shape"])
                value = (self.read(p["value_file"], p["shape"])
                         if "value_file" in p else None)
                self.params.append((p["name"], tuple(p["shape"]), grad, value))
        except KeyError as e:
            raise SetupError("%s: missing key %s" % (path, e))
        if not self.params:
            raise SetupError("%s: no parameters" % path)

    def read(self, fname, shape):
        return read_f32(self.dir, fname, shape)

    def ref_grads(self):
        return [g.astype(np.float64) for _, _, g, _ in self.params]


# ------------------------------------------------------------------ helpers

def flat_gradient(res, lib, fx, inputs, target, tag):
    """pcc_compute_gradients() as one float64 vector, and its stats; the
    vector is None (a failed check recorded) when it cannot be had, the
    stats too when the call failed."""
    rc, st = lib.compute_gradients(inputs, target)
    if not res.check(rc == 0, tag + "pcc_compute_gradients() == 0",
                     "" if rc == 0 else "rc %d: %s" % (rc, lib.error())):
        return None, None
    gs = [lib.param_grad(i, int(np.prod(p[1])))
          for i, p in enumerate(fx.params)]
    if any(g is None for g in gs):
        res.check(False, tag + "pcc_param_grad", "NULL")
        return None, st
    return np.concatenate(gs).astype(np.float64), st


def compile_model(args, fx, algorithm, steps, rate, out, nudge=None):
    """nudge: (mode, beta), default --nudge-mode and --nudge."""
    mode, beta = nudge or (args.nudge_mode, args.nudge)
    cmd = [args.pcc, fx.onnx, "-o", out, "--algorithm=" + algorithm,
           "--loss=" + fx.loss_kind, "--inference-steps=%d" % steps,
           "--inference-rate=%r" % rate, "--vertices=" + args.vertices]
    if args.schedule != "parallel":
        cmd.append("--schedule=" + args.schedule)
    if mode != "none":
        cmd += ["--nudge-mode=" + mode, "--nudge=%r" % beta]
    print("$ " + " ".join(cmd), flush=True)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return "pcc timed out after %ds" % args.timeout
    except OSError as e:
        return "cannot run %s: %s" % (args.pcc, e)
    if p.returncode != 0:
        return "pcc exited with %d: %s" % (
            p.returncode, p.stderr.decode(errors="replace").strip())
    if not os.path.isfile(out):
        return "pcc exited 0 but wrote no %s" % out
    return None


def check_params_meta(res, lib, fx, tag):
    """Number, names and shapes of the parameters. Returns False if the
    gradient checks cannot go on."""
    n = lib.num_params()
    want = [p[0] for p in fx.params]
    if not res.check(n == len(want), tag + "pcc_num_params() == %d" % len(want),
                     "got %d" % n):
        got = [lib.param_name(i) for i in range(max(n, 0))][:64]
        print("      library params: %s\n      fixture params: %s" % (got, want))
        return False
    ok = True
    for i, (name, shape, _, _) in enumerate(fx.params):
        got_name, got_shape = lib.param_name(i), lib.param_shape(i)
        ok &= res.check(got_name == name and got_shape == shape,
                        tag + "param %d name/shape" % i,
                        "want %s %s, got %s %s" % (name, list(shape), got_name,
                                                   None if got_shape is None
                                                   else list(got_shape)))
    return ok


# -------------------------------------------------------------------- modes

def check_states(res, lib, fx, tag, inputs):
    """State (training-mode batch norm's running estimates): listed by name
    and shape, initialised from the ONNX initializers, unchanged by
    pcc_compute_gradients, updated by one pcc_train_step as ONNX's
    momentum rule says."""
    want = fx.desc.get("states", [])
    n = lib.num_states()
    if not res.check(n == len(want), tag + "pcc_num_states() == %d" % len(want),
                     "got %d" % n) or not want:
        return
    for i, st in enumerate(want):
        name = lib.state_name(i)
        count = int(np.prod(st["shape"]))
        init = fx.read(st["value_file"], st["shape"]).ravel()
        after = fx.read(st["after_step_file"], st["shape"]).ravel()
        now = lib.state_data(i, count)
        res.check(name == st["name"] and now is not None and
                  np.array_equal(now, init),
                  tag + "state %d is %s with its initial value" % (i, st["name"]),
                  "got %s" % name)
        st["_after"], st["_count"] = after, count
    # compute_gradients ran before: the state must be the initial one (checked
    # above); one training step moves it.
    lib.set_hyperparameter("learning_rate", 0.0)
    rc = lib.train_step(inputs, fx.target)
    if not res.check(rc == 0, tag + "pcc_train_step() == 0", lib.error()):
        return
    for i, st in enumerate(want):
        now = lib.state_data(i, st["_count"])
        ok = now is not None and np.allclose(now, st["_after"], rtol=1e-5,
                                             atol=1e-6)
        res.check(ok, tag + "state %s after one train step (ONNX momentum)"
                  % st["name"], "" if ok or now is None else "max |diff| %.3g"
                  % float(np.max(np.abs(now - st["_after"]))))


def run_exact(args, fx, work, res):
    alg = args.algorithm
    if args.steps is not None:
        steps = args.steps
    elif alg == "fpa":
        steps = int(fx.desc.get("fpa_steps", 50))
    else:
        steps = 20 if alg == "il" else 50
    rate = args.rate if args.rate is not None else (0.1 if alg == "il" else 1.0)
    so = os.path.join(work, "%s_%s.so" % (fx.name, alg))
    err = compile_model(args, fx, alg, steps, rate, so)
    if not res.check(err is None, "compile %s --algorithm=%s" % (fx.name, alg),
                     err or ""):
        return
    lib = Library(so)
    tag = "%s/%s: " % (fx.name, alg)

    sig = lib.lib.pcc_signature()
    try:
        json.loads(sig.decode() if sig else "")
        res.check(True, tag + "pcc_signature() is JSON")
    except ValueError as e:
        res.check(False, tag + "pcc_signature() is JSON", "%s: %r" % (e, sig))

    lib.open()
    try:
        if not check_params_meta(res, lib, fx, tag):
            return
        sizes = [int(np.prod(p[1])) for p in fx.params]
        before = [lib.param_data(i, sizes[i]) for i in range(len(sizes))]
        for i, (name, shape, _, value) in enumerate(fx.params):
            if value is None:
                continue
            d = before[i]
            ok = d is not None and np.array_equal(d, value.ravel())
            res.check(ok, tag + "pcc_param_data(%d) == initializer %s" % (i, name),
                      "" if ok else ("NULL" if d is None else "max |diff| %.3g"
                                     % float(np.max(np.abs(d - value.ravel())))))

        inputs = [a for _, a in fx.inputs]
        rc, y = lib.predict(inputs, fx.output.shape)
        if res.check(rc == 0, tag + "pcc_predict() == 0",
                     "" if rc == 0 else "rc %d: %s" % (rc, lib.error())):
            close = np.allclose(y, fx.output, rtol=1e-4, atol=1e-5)
            res.check(close, tag + "output matches torch (rtol 1e-4, atol 1e-5)",
                      "max |diff| %.3g" % float(np.nanmax(np.abs(y - fx.output)))
                      if np.isfinite(y).all() else "non-finite output")

        rc, st = lib.compute_gradients(inputs, fx.target)
        if not res.check(rc == 0, tag + "pcc_compute_gradients() == 0",
                         "" if rc == 0 else "rc %d: %s" % (rc, lib.error())):
            return
        print("      stats: loss %.7g  energy %.7g  steps %d"
              % (st.loss, st.energy, st.steps))
        lerr = abs(st.loss - fx.loss_value) / max(abs(fx.loss_value), 1e-12)
        res.check(lerr <= 1e-4, tag + "stats.loss == %.7g (rel 1e-4)"
                  % fx.loss_value, "got %.7g, rel err %.3g" % (st.loss, lerr))

        grads = []
        tol = min(args.tol, float(fx.desc.get("tol", args.tol)))
        for i, (name, shape, ref, _) in enumerate(fx.params):
            g = lib.param_grad(i, sizes[i])
            grads.append(g)
            if g is None:
                res.check(False, tag + "grad %-16s" % name, "pcc_param_grad NULL")
                continue
            e = rel_err(g, ref.ravel().astype(np.float64))
            res.check(e <= tol, tag + "grad %-16s" % name,
                      "rel err %.3e (tol %.0e)  |ref| %.4g  |g| %.4g"
                      % (e, tol, float(np.linalg.norm(ref)),
                         float(np.linalg.norm(g))))

        # compute_gradients must change nothing.
        after = [lib.param_data(i, sizes[i]) for i in range(len(sizes))]
        same = all(a is not None and b is not None and np.array_equal(a, b)
                   for a, b in zip(before, after))
        res.check(same, tag + "compute_gradients leaves the parameters unchanged")
        rc, y2 = lib.predict(inputs, fx.output.shape)
        res.check(rc == 0 and np.allclose(y2, y, rtol=1e-6, atol=1e-7),
                  tag + "prediction unchanged after compute_gradients")
        rc, st2 = lib.compute_gradients(inputs, fx.target)
        worst = 0.0
        for i in range(len(sizes)):
            g2 = lib.param_grad(i, sizes[i])
            if grads[i] is None or g2 is None:
                worst = float("inf")
                continue
            worst = max(worst, rel_err(g2, grads[i].astype(np.float64)))
        res.check(rc == 0 and worst <= 1e-6,
                  tag + "second compute_gradients gives the same gradients",
                  "max rel diff %.3g" % worst)

        check_states(res, lib, fx, tag, inputs)

        rc = lib.set_hyperparameter("no_such_hyperparameter", 1.0)
        msg = lib.error() if rc != 0 else ""
        res.check(rc != 0 and msg not in ("", "(no message)"),
                  tag + "unknown hyper-parameter refused with a message",
                  "rc %d %r" % (rc, msg))
    finally:
        lib.close()


def run_il_trend(args, fx, work, res):
    if args.il_steps is not None:
        steps_list = parse_steps(args.il_steps)
    else:
        if fx.desc.get("il_trend_skip") and not args.include_skipped:
            print("SKIP  %s/il trend: %s" % (fx.name, fx.desc["il_trend_skip"]),
                  flush=True)
            return
        steps_list = fx.desc.get("il_trend_steps") or DEFAULT_IL_STEPS
        if parse_steps(",".join(str(t) for t in steps_list)) is None:
            raise SetupError("%s: bad il_trend_steps %r" % (fx.name, steps_list))
    rate = args.rate if args.rate is not None else 0.1
    ref = np.concatenate([g.ravel() for g in fx.ref_grads()])
    ref_norm = float(np.linalg.norm(ref))
    inputs = [a for _, a in fx.inputs]
    rows = []
    for T in steps_list:
        so = os.path.join(work, "%s_il_T%d.so" % (fx.name, T))
        err = compile_model(args, fx, "il", T, rate, so)
        if not res.check(err is None, "compile %s --algorithm=il T=%d" % (fx.name, T),
                         err or ""):
            rows.append((T, float("nan"), float("nan"), None))
            continue
        lib = Library(so)
        lib.open()
        try:
            tag = "%s/il T=%d: " % (fx.name, T)
            if T == steps_list[0] and not check_params_meta(res, lib, fx, tag):
                return
            rc, y = lib.predict(inputs, fx.output.shape)
            if not res.check(rc == 0 and np.allclose(y, fx.output, rtol=1e-4,
                                                     atol=1e-5),
                             tag + "pcc_predict() matches torch",
                             "rc %d" % rc + ("" if rc == 0 else ": " + lib.error())):
                rows.append((T, float("nan"), float("nan"), None))
                continue
            target = build_trend_target(y, fx.target, args.il_target_scale,
                                        fx.loss_kind)
            g, st = flat_gradient(res, lib, fx, inputs, target, tag)
            if g is None:
                rows.append((T, float("nan"), float("nan"), st))
                continue
            c = cosine(g, ref)
            rel = float(np.linalg.norm(g / args.il_target_scale - ref)) / ref_norm
            rows.append((T, c, rel, st))
        finally:
            lib.close()

    print("\n  IL trend for %s: rate %g, target scale %g (cosine with the "
          "torch gradient; rel err of g/scale)" % (fx.name, rate,
                                                   args.il_target_scale))
    print("  %8s  %12s  %12s  %12s  %12s  %6s"
          % ("T", "cosine", "rel err", "loss", "energy", "steps"))
    for T, c, rel, st in rows:
        print("  %8d  %12.8f  %12.4e  %12.6g  %12.6g  %6s"
              % (T, c, rel, st.loss if st else float("nan"),
                 st.energy if st else float("nan"),
                 st.steps if st else "-"))
    print()

    cs = [c for _, c, _, _ in rows]
    finite = all(math.isfinite(c) for c in cs)
    bad = []
    plateau = fx.desc.get("il_plateau", args.il_plateau)
    for (T0, c0, _, _), (T1, c1, _, _) in zip(rows, rows[1:]):
        if not (c1 >= min(c0, plateau) - args.il_slack):
            bad.append("T=%d: %.8f -> T=%d: %.8f" % (T0, c0, T1, c1))
    res.check(finite and not bad,
              "%s/il: cosine non-decreasing in T (slack %g, plateau %g)"
              % (fx.name, args.il_slack, plateau),
              "; ".join(bad) if bad else ("" if finite else "non-finite cosine"))
    last = cs[-1] if cs else float("nan")
    min_cos = float(fx.desc.get("il_min_cos", args.il_min_cos))
    res.check(math.isfinite(last) and last > min_cos,
              "%s/il: cosine at T=%d > %g" % (fx.name, steps_list[-1],
                                               min_cos),
              "%.8f" % last)


def relaxed_gradient(args, fx, work, res, algorithm, steps, rate,
                     nudge=("none", 1.0), target_scale=None):
    """The gradient of `algorithm` at `steps` and `rate` (nudged by `nudge`,
    (mode, beta)) as one vector, on the fixture's target or, given
    `target_scale`, on the il trend's scaled target (then divided by the
    scale, comparable with torch's); None (a failed check recorded) when it
    cannot be had."""
    mode, beta = nudge
    label = "%s_T%d_%g_%s_%g%s" % (algorithm, steps, rate, mode, beta,
                                   "_scaled" if target_scale else "")
    so = os.path.join(work, "%s_%s.so" % (fx.name, label))
    err = compile_model(args, fx, algorithm, steps, rate, so, nudge=nudge)
    tag = "%s/%s T=%d rate=%g%s%s: " % (
        fx.name, algorithm, steps, rate,
        "" if mode == "none" else " nudge-mode=%s nudge=%g" % (mode, beta),
        " (scaled target)" if target_scale else "")
    if not res.check(err is None, tag + "compiles", err or ""):
        return None
    lib = Library(so)
    lib.open()
    try:
        inputs = [a for _, a in fx.inputs]
        target = fx.target
        if target_scale:
            rc, y = lib.predict(inputs, fx.output.shape)
            if not res.check(rc == 0, tag + "pcc_predict() == 0",
                             "" if rc == 0 else lib.error()):
                return None
            target = build_trend_target(y, fx.target, target_scale,
                                        fx.loss_kind)
        g = flat_gradient(res, lib, fx, inputs, target, tag)[0]
        return g / target_scale if (g is not None and target_scale) else g
    finally:
        lib.close()


def nudged_gradient(args, fx, work, res, mode, beta, steps, rate):
    """The il gradient at `steps` with --nudge-mode=mode --nudge=beta."""
    return relaxed_gradient(args, fx, work, res, "il", steps, rate,
                            nudge=(mode, beta))


# (mode, beta) of --nudge-check; plain il is the positive nudge at beta 1.
NUDGE_RUNS = [("none", 1.0), ("positive", 0.3), ("positive", 0.1),
              ("centered", 0.1), ("centered", 0.01)]


def run_nudge_check(args, fx, work, res):
    """il with and without nudging at the same T, on the fixture's target:
    the positive nudge's error shrinks as beta does (1, 0.3, 0.1); the
    centered one at beta 0.1 is closer than plain il and within
    --nudge-max-err; at beta 0.01 its cosine with backprop is >= 0.999."""
    if fx.desc.get("il_trend_skip") and not args.include_skipped:
        print("SKIP  %s/il nudging: %s" % (fx.name, fx.desc["il_trend_skip"]),
              flush=True)
        return
    # As long as the fixture's il trend, which reaches il's fixed point.
    steps = args.steps if args.steps is not None else max(
        [2000] + list(fx.desc.get("il_trend_steps") or []))
    rate = args.rate if args.rate is not None else 0.1
    ref = np.concatenate([g.ravel() for g in fx.ref_grads()])
    errs, coss = {}, {}
    for mode, beta in NUDGE_RUNS:
        g = nudged_gradient(args, fx, work, res, mode, beta, steps, rate)
        if g is None:
            return
        errs[mode, beta] = rel_err(g, ref)
        coss[mode, beta] = cosine(g, ref)
    print("\n  il nudging on %s: T %d, rate %g; rel err (cosine) of the "
          "gradient" % (fx.name, steps, rate))
    for mode, beta in NUDGE_RUNS:
        print("    %-8s beta %-4g  %.3e  (%.6f)" % (
            mode, beta, errs[mode, beta], coss[mode, beta]))
    print(flush=True)
    plain, p3, p1 = (errs["none", 1.0], errs["positive", 0.3],
                     errs["positive", 0.1])
    # Below the float32 floor (eps = x - mu rounds) it need not shrink.
    res.check(plain > p3 > p1 or (plain > p3 and p1 <= args.nudge_floor),
              "%s/il: the positive nudge's error shrinks with beta (1, 0.3, "
              "0.1; floor %g)" % (fx.name, args.nudge_floor),
              "%.3e, %.3e, %.3e" % (plain, p3, p1))
    centered = errs["centered", 0.1]
    res.check(centered < plain,
              "%s/il: centered nudge closer to backprop than plain il"
              % fx.name, "%.3e vs %.3e" % (centered, plain))
    bound = float(fx.desc.get("nudge_max_err", args.nudge_max_err))
    res.check(centered <= bound,
              "%s/il: centered nudge at beta 0.1 within %g of backprop"
              % (fx.name, bound), "%.3e" % centered)
    min_cos = float(fx.desc.get("nudge_min_cos", args.nudge_min_cos))
    res.check(coss["centered", 0.01] >= min_cos,
              "%s/il: centered nudge at beta 0.01: cosine >= %g"
              % (fx.name, min_cos), "%.6f" % coss["centered", 0.01])


def run_epc_check(args, fx, work, res):
    """epc against il and backprop: at T = --steps (20) and rate 0.5 its
    gradient is at least as close to torch's as il's at the fixture's longest
    il-trend T (il's fixed point, which epc shares), on the trend's scaled
    target, and far closer than il's at the same T; centered-nudged at
    beta 0.01 it is backprop's within --epc-max-err."""
    steps = args.steps if args.steps is not None else 20
    rate = args.rate if args.rate is not None else 0.5
    ref = np.concatenate([g.ravel() for g in fx.ref_grads()])
    scale = args.il_target_scale
    epc = relaxed_gradient(args, fx, work, res, "epc", steps, rate,
                           target_scale=scale)
    il_short = relaxed_gradient(args, fx, work, res, "il", steps, 0.1,
                                target_scale=scale)
    centered = relaxed_gradient(args, fx, work, res, "epc", steps, rate,
                                nudge=("centered", 0.01))
    if epc is None or il_short is None or centered is None:
        return
    rows = [("epc T=%d" % steps, epc), ("il T=%d" % steps, il_short)]
    skip = fx.desc.get("il_trend_skip") and not args.include_skipped
    if not skip:
        long_steps = max(fx.desc.get("il_trend_steps") or DEFAULT_IL_STEPS)
        il_long = relaxed_gradient(args, fx, work, res, "il", long_steps, 0.1,
                                   target_scale=scale)
        if il_long is None:
            return
        rows.append(("il T=%d" % long_steps, il_long))
    print("\n  epc on %s: rate %g; cosine (rel err) with the torch gradient, "
          "target scale %g" % (fx.name, rate, scale))
    for name, g in rows:
        print("    %-10s %.8f  (%.3e)" % (name, cosine(g, ref), rel_err(g, ref)))
    print("    epc centered beta 0.01, fixture target: %.8f  (%.3e)\n"
          % (cosine(centered, ref), rel_err(centered, ref)), flush=True)
    c_epc, c_short = cosine(epc, ref), cosine(il_short, ref)
    res.check(c_epc > c_short,
              "%s/epc: closer to backprop than il at T=%d" % (fx.name, steps),
              "cosine %.6f vs %.6f" % (c_epc, c_short))
    if skip:
        print("SKIP  %s/epc vs il's fixed point: %s"
              % (fx.name, fx.desc["il_trend_skip"]), flush=True)
    else:
        c_long = cosine(il_long, ref)
        res.check(c_epc >= c_long - args.epc_slack,
                  "%s/epc: at T=%d as close to backprop as il at T=%d "
                  "(slack %g)" % (fx.name, steps, long_steps, args.epc_slack),
                  "cosine %.8f vs %.8f" % (c_epc, c_long))
    err = rel_err(centered, ref)
    res.check(err <= args.epc_max_err,
              "%s/epc: centered nudge at beta 0.01 within %g of backprop"
              % (fx.name, args.epc_max_err), "%.3e" % err)


# --------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Check pcc gradients against PyTorch fixtures.",
        epilog="See the module docstring (head of this file) for the checks.")
    ap.add_argument("--pcc", required=True, help="the pcc compiler driver")
    ap.add_argument("--fixtures", required=True, help="directory of fixtures")
    ap.add_argument("--model", required=True,
                    help="fixture name(s), comma-separated, or 'all'")
    ap.add_argument("--algorithm", required=True,
                    choices=["bp", "fpa", "zil", "il", "epc"])
    ap.add_argument("--vertices", default="op", choices=["op", "layer"],
                    help="pcc --vertices (default op)")
    ap.add_argument("--schedule", default="parallel",
                    choices=["parallel", "reverse"],
                    help="pcc --schedule (fpa; default parallel)")
    ap.add_argument("--nudge-mode", default="none",
                    choices=["none", "positive", "negative", "centered"],
                    help="pcc --nudge-mode (il; default none)")
    ap.add_argument("--nudge", type=float, default=0.1,
                    help="pcc --nudge, the beta (default 0.1)")
    ap.add_argument("--steps", type=int, default=None,
                    help="--inference-steps (default 50; il: 20)")
    ap.add_argument("--rate", type=float, default=None,
                    help="--inference-rate (default 1.0; il: 0.1)")
    ap.add_argument("--tol", type=float, default=1e-4,
                    help="relative gradient error allowed (default 1e-4)")
    ap.add_argument("--il-trend", action="store_true",
                    help="check that il approaches the torch gradient as T grows")
    ap.add_argument("--il-steps", default=None,
                    help="T values for --il-trend (default: the fixture's "
                         "il_trend_steps, else 10,30,100,300,1000)")
    ap.add_argument("--include-skipped", action="store_true",
                    help="run the il trend also on fixtures marked "
                         "il_trend_skip")
    ap.add_argument("--il-target-scale", type=float, default=0.1,
                    help="output-error scale for --il-trend (default 0.1)")
    ap.add_argument("--nudge-check", action="store_true",
                    help="compare plain il with the positive nudge at beta "
                         "0.3 and 0.1 and the centered one at 0.1 and 0.01, "
                         "at --steps (default: the fixture's longest il "
                         "trend T, at least 2000)")
    ap.add_argument("--nudge-max-err", type=float, default=0.05,
                    help="largest relative error of the centered estimate "
                         "for --nudge-check (default 0.05)")
    ap.add_argument("--nudge-floor", type=float, default=5e-3,
                    help="relative error below which --nudge-check does not "
                         "ask the positive nudge's error to shrink further "
                         "(float32 rounding; default 5e-3)")
    ap.add_argument("--nudge-min-cos", type=float, default=0.999,
                    help="smallest cosine of the centered estimate at beta "
                         "0.01 for --nudge-check (default 0.999)")
    ap.add_argument("--epc-check", action="store_true",
                    help="compare epc at --steps (20) and --rate (0.5) with "
                         "il at the same T and at its fixed point, and "
                         "centered-nudged epc at beta 0.01 with backprop")
    ap.add_argument("--epc-slack", type=float, default=1e-4,
                    help="how far epc's cosine may fall below il's at its "
                         "fixed point for --epc-check (default 1e-4)")
    ap.add_argument("--epc-max-err", type=float, default=1e-2,
                    help="largest relative error of centered-nudged epc at "
                         "beta 0.01 for --epc-check (default 1e-2)")
    ap.add_argument("--il-slack", type=float, default=1e-6)
    ap.add_argument("--il-plateau", type=float, default=0.999)
    ap.add_argument("--il-min-cos", type=float, default=0.99)
    ap.add_argument("--workdir", default=None,
                    help="where the libraries go (default: a temporary "
                         "directory, removed afterwards)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("--timeout", type=int, default=300,
                    help="seconds allowed per pcc run")
    args = ap.parse_args(argv)
    if (args.il_trend or args.nudge_check) and args.algorithm != "il":
        ap.error("--il-trend and --nudge-check need --algorithm=il")
    if args.epc_check and args.algorithm != "epc":
        ap.error("--epc-check needs --algorithm=epc")
    if args.algorithm == "epc" and not args.epc_check:
        ap.error("--algorithm=epc is checked by --epc-check (it is not exact)")
    if sum([args.il_trend, args.nudge_check, args.epc_check]) > 1:
        ap.error("--il-trend, --nudge-check and --epc-check are separate runs")
    if args.nudge <= 0:
        ap.error("--nudge must be positive")
    if args.tol <= 0 or args.il_target_scale <= 0:
        ap.error("--tol and --il-target-scale must be positive")
    if args.il_steps is not None and parse_steps(args.il_steps) is None:
        ap.error("--il-steps must be comma-separated, non-negative, "
                 "increasing integers")
    return args


DEFAULT_IL_STEPS = [10, 30, 100, 300, 1000]


def parse_steps(text):
    """'10,30,100' -> [10, 30, 100]; None unless non-negative, increasing."""
    try:
        steps = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        return None
    if not steps or any(s < 0 for s in steps) or steps != sorted(steps):
        return None
    return steps


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    res = Results()
    own_work = args.workdir is None
    work = tempfile.mkdtemp(prefix="pcc_grad_") if own_work else args.workdir
    os.makedirs(work, exist_ok=True)
    try:
        for name in model_names(args.model, args.fixtures):
            try:
                fx = Fixture(args.fixtures, name)
                if args.il_trend:
                    run_il_trend(args, fx, work, res)
                elif args.nudge_check:
                    run_nudge_check(args, fx, work, res)
                elif args.epc_check:
                    run_epc_check(args, fx, work, res)
                else:
                    run_exact(args, fx, work, res)
            except SetupError as e:
                res.check(False, "%s/%s" % (name, args.algorithm), str(e))
    except SetupError as e:
        res.check(False, "setup", str(e))
    finally:
        if own_work and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        elif own_work:
            print("libraries kept in " + work)
    res.summary()
    return 0 if res.failed == 0 and res.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
