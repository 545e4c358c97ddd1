#!/usr/bin/python3
"""Load a library that pcc emitted and print what its ABI reports.

    run_lib.py LIB [PREFIX]

Prints, one per line: num_params, each parameter's name and shape, the
signature JSON, then a predict on the fixed input arange(12)/10 (batch 4,
3 features; the model of tiny.py) with 4 decimals, and a train_step's
return code.  Uses only ctypes (no numpy), so any python3 will do.
"""
import ctypes
import sys


class StepStats(ctypes.Structure):
    _fields_ = [("loss", ctypes.c_float), ("energy", ctypes.c_float),
                ("steps", ctypes.c_int32)]


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: run_lib.py LIB [PREFIX]\n")
        return 2
    lib = ctypes.CDLL(argv[1])
    p = argv[2] if len(argv) == 3 else "pcc"

    def fn(name, restype, *argtypes):
        f = getattr(lib, p + "_" + name)
        f.restype = restype
        f.argtypes = list(argtypes)
        return f

    i64 = ctypes.c_int64
    num_params = fn("num_params", i64)
    param_name = fn("param_name", ctypes.c_char_p, i64)
    param_rank = fn("param_rank", i64, i64)
    param_shape = fn("param_shape", ctypes.POINTER(i64), i64)
    signature = fn("signature", ctypes.c_char_p)
    create = fn("create", ctypes.c_void_p)
    destroy = fn("destroy", None, ctypes.c_void_p)
    fptrs = ctypes.POINTER(ctypes.POINTER(ctypes.c_float))
    predict = fn("predict", ctypes.c_int, ctypes.c_void_p, fptrs,
                 ctypes.POINTER(ctypes.c_float))
    train_step = fn("train_step", ctypes.c_int, ctypes.c_void_p, fptrs,
                    ctypes.POINTER(ctypes.c_float), ctypes.POINTER(StepStats))
    last_error = fn("last_error", ctypes.c_char_p, ctypes.c_void_p)

    n = num_params()
    print("num_params: %d" % n)
    for i in range(n):
        shape = param_shape(i)
        dims = [shape[d] for d in range(param_rank(i))]
        print("param %d: %s %s" % (i, param_name(i).decode(), dims))
    print("signature: %s" % signature().decode())

    model = create()
    if not model:
        print("create failed")
        return 1
    x = (ctypes.c_float * 12)(*[k / 10 for k in range(12)])
    inputs = (ctypes.POINTER(ctypes.c_float) * 1)(
        ctypes.cast(x, ctypes.POINTER(ctypes.c_float)))
    out = (ctypes.c_float * 8)()
    rc = predict(model, inputs, out)
    print("predict: rc=%d %s" % (rc, " ".join("%.4f" % v for v in out)))
    target = (ctypes.c_float * 8)(*([0.5, -0.5] * 4))
    stats = StepStats()
    rc = train_step(model, inputs, target, ctypes.byref(stats))
    err = last_error(model)
    print("train_step: rc=%d steps=%d loss_finite=%s error=%s"
          % (rc, stats.steps, stats.loss == stats.loss and abs(stats.loss) < 1e30,
             err.decode() if err else ""))
    destroy(model)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
