"""Shared pieces of the Python drivers that check pcc-emitted libraries.

Used by test/gradients/check_gradients.py and test/zoo/check_zoo.py, which
put this directory on sys.path.  It holds:

  - Results (PASS/FAIL lines and the 'N passed, M failed' summary) and
    SetupError;
  - read_f32, the reader of the fixtures' raw little-endian float32 files;
  - model_names, the --model NAME[,NAME...]|all list;
  - the ctypes side of the library ABI (include/pcc/pcc.h): StepStats, the
    pcc_* prototypes and Library, one emitted .so opened with its own
    dlopen handle;
  - rel_err, cosine and build_trend_target, the gradient comparisons.

Needs only python3 and numpy.
"""

import ctypes
import math
import os

import numpy as np


# ------------------------------------------------------------------ results

class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        line = "%s  %s" % ("PASS" if ok else "FAIL", what)
        if detail:
            line += "  " + detail
        print(line, flush=True)
        return ok

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)


class SetupError(Exception):
    pass


# ----------------------------------------------------------------- fixtures

def read_f32(directory, fname, shape):
    """DIRECTORY/FNAME, raw little-endian float32, as an array of SHAPE."""
    path = os.path.join(directory, fname)
    a = np.fromfile(path, dtype="<f4")
    n = int(np.prod(shape)) if shape else 1
    if a.size != n:
        raise SetupError("%s: %d floats, shape %s needs %d"
                         % (path, a.size, list(shape), n))
    return a.reshape(shape).astype(np.float32)


def model_names(model, fixtures):
    """--model: comma-separated names, or 'all' (every NAME.json in
    FIXTURES)."""
    if model == "all":
        names = sorted(f[:-5] for f in os.listdir(fixtures)
                       if f.endswith(".json"))
        if not names:
            raise SetupError("no fixtures in %s" % fixtures)
        return names
    return [n.strip() for n in model.split(",") if n.strip()]


# ------------------------------------------------------------------ library

class StepStats(ctypes.Structure):
    _fields_ = [("loss", ctypes.c_float), ("energy", ctypes.c_float),
                ("steps", ctypes.c_int32)]


FLOAT_P = ctypes.POINTER(ctypes.c_float)
FLOAT_PP = ctypes.POINTER(FLOAT_P)
INT64_P = ctypes.POINTER(ctypes.c_int64)
PROTOS = {
    # name: (restype, argtypes)
    "pcc_signature": (ctypes.c_char_p, []),
    "pcc_create": (ctypes.c_void_p, []),
    "pcc_destroy": (None, [ctypes.c_void_p]),
    "pcc_predict": (ctypes.c_int, [ctypes.c_void_p, FLOAT_PP, FLOAT_P]),
    "pcc_train_step": (ctypes.c_int, [ctypes.c_void_p, FLOAT_PP, FLOAT_P,
                                      ctypes.POINTER(StepStats)]),
    "pcc_compute_gradients": (ctypes.c_int, [ctypes.c_void_p, FLOAT_PP,
                                             FLOAT_P,
                                             ctypes.POINTER(StepStats)]),
    "pcc_num_params": (ctypes.c_int64, []),
    "pcc_param_name": (ctypes.c_char_p, [ctypes.c_int64]),
    "pcc_param_rank": (ctypes.c_int64, [ctypes.c_int64]),
    "pcc_param_shape": (INT64_P, [ctypes.c_int64]),
    "pcc_param_data": (FLOAT_P, [ctypes.c_void_p, ctypes.c_int64]),
    "pcc_param_grad": (FLOAT_P, [ctypes.c_void_p, ctypes.c_int64]),
    "pcc_set_hyperparameter": (ctypes.c_int, [ctypes.c_void_p,
                                              ctypes.c_char_p,
                                              ctypes.c_double]),
    "pcc_last_error": (ctypes.c_char_p, [ctypes.c_void_p]),
    "pcc_num_states": (ctypes.c_int64, []),
    "pcc_state_name": (ctypes.c_char_p, [ctypes.c_int64]),
    "pcc_state_data": (FLOAT_P, [ctypes.c_void_p, ctypes.c_int64]),
}


class Library:
    """One emitted library.  Every path gets its own dlopen handle (RTLD_LOCAL),
    so libraries with the same pcc_* symbols can be loaded side by side.
    Every function of PROTOS must be exported (SetupError otherwise); the
    raw functions are self.lib.pcc_*, the model of open() is self.model."""

    def __init__(self, path):
        self.path = path
        try:
            self.lib = ctypes.CDLL(os.path.abspath(path),
                                   mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError as e:
            raise SetupError("cannot load %s: %s" % (path, e))
        missing = []
        for name, (res, args) in PROTOS.items():
            try:
                fn = getattr(self.lib, name)
            except AttributeError:
                missing.append(name)
                continue
            fn.restype = res
            fn.argtypes = args
        if missing:
            raise SetupError("%s does not export %s" % (path, ", ".join(missing)))
        self.model = None

    def signature(self):
        sig = self.lib.pcc_signature()
        return sig.decode(errors="replace") if sig else ""

    def open(self, null_ok=False):
        """pcc_create().  A NULL model raises SetupError, or with null_ok
        returns False; True otherwise."""
        self.model = self.lib.pcc_create()
        if not self.model and not null_ok:
            raise SetupError("pcc_create() returned NULL")
        return bool(self.model)

    def close(self):
        if self.model:
            self.lib.pcc_destroy(self.model)
            self.model = None

    def error(self):
        msg = self.lib.pcc_last_error(self.model)
        return msg.decode(errors="replace") if msg else "(no message)"

    @staticmethod
    def _ptrs(arrays):
        arr = (FLOAT_P * len(arrays))()
        for i, a in enumerate(arrays):
            arr[i] = a.ctypes.data_as(FLOAT_P)
        return arr

    def predict(self, inputs, out_shape):
        xs = [np.ascontiguousarray(a, dtype=np.float32) for a in inputs]
        out = np.full(out_shape, np.nan, dtype=np.float32)
        rc = self.lib.pcc_predict(self.model, self._ptrs(xs),
                                  out.ctypes.data_as(FLOAT_P))
        return rc, out

    def compute_gradients(self, inputs, target):
        xs = [np.ascontiguousarray(a, dtype=np.float32) for a in inputs]
        t = np.ascontiguousarray(target, dtype=np.float32)
        stats = StepStats(float("nan"), float("nan"), -1)
        rc = self.lib.pcc_compute_gradients(
            self.model, self._ptrs(xs), t.ctypes.data_as(FLOAT_P),
            ctypes.byref(stats))
        return rc, stats

    def train_step(self, inputs, target):
        """One pcc_train_step with stats NULL; returns its rc."""
        xs = [np.ascontiguousarray(a, dtype=np.float32) for a in inputs]
        t = np.ascontiguousarray(target, dtype=np.float32)
        return self.lib.pcc_train_step(self.model, self._ptrs(xs),
                                       t.ctypes.data_as(FLOAT_P), None)

    def set_hyperparameter(self, name, value):
        return self.lib.pcc_set_hyperparameter(self.model, name.encode(),
                                               value)

    def num_params(self):
        return int(self.lib.pcc_num_params())

    def param_name(self, i):
        n = self.lib.pcc_param_name(i)
        return n.decode(errors="replace") if n is not None else None

    def param_shape(self, i):
        rank = int(self.lib.pcc_param_rank(i))
        if rank < 0 or rank > 16:
            return None
        p = self.lib.pcc_param_shape(i)
        if rank and not p:
            return None
        return tuple(int(p[k]) for k in range(rank))

    def params(self):
        """{name: (index, shape)} of the library's parameters."""
        return {self.param_name(i): (i, self.param_shape(i))
                for i in range(self.num_params())}

    @staticmethod
    def _read(ptr, count):
        if not ptr:
            return None
        return np.ctypeslib.as_array(ptr, shape=(count,)).astype(np.float32)

    def param_data(self, i, count):
        return self._read(self.lib.pcc_param_data(self.model, i), count)

    def param_grad(self, i, count):
        return self._read(self.lib.pcc_param_grad(self.model, i), count)

    def num_states(self):
        return int(self.lib.pcc_num_states())

    def state_name(self, i):
        n = self.lib.pcc_state_name(i)
        return n.decode() if n else None

    def state_data(self, i, count):
        return self._read(self.lib.pcc_state_data(self.model, i), count)


# ---------------------------------------------------------------- compare

def rel_err(g, ref):
    """||g - ref|| / max(||ref||, 1e-12), in float64."""
    return float(np.linalg.norm(g.astype(np.float64) - ref)
                 / max(float(np.linalg.norm(ref)), 1e-12))


def cosine(a, b):
    """Cosine similarity; NaN when either is zero or a is not finite."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0 or not math.isfinite(na):
        return float("nan")
    return float(np.dot(a, b) / (na * nb))


def build_trend_target(y, target, scale, loss="ce"):
    """Target whose exact gradient is SCALE times TARGET's, for the
    library's prediction Y: base + scale * (target - base), base = softmax
    of Y (ce) or Y itself (mse)."""
    y = y.astype(np.float64)
    t = target.astype(np.float64)
    if loss == "ce":
        e = np.exp(y - y.max(axis=1, keepdims=True))
        base = e / e.sum(axis=1, keepdims=True)
    else:
        base = y
    return (base + scale * (t - base)).astype(np.float32)
