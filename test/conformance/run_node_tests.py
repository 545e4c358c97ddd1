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

Models with several graph outputs (Split; RNN/GRU/LSTM's Y and Y_h; Dropout's
mask; MaxPool's Indices) are compiled once per output, with
--output=NAME, into WORK/<test_name>.out<K>.so, and output K is compared with
output_K.pb.  Such a test passes only when every float32 output passes; a
failing output fails it; otherwise an output that is not float32 (Dropout's
bool mask, MaxPool's int64 indices) or that pcc refuses for an out-of-scope
reason makes it not attempted, with that reason.  Single-output models are
compiled without --output.

pcc takes only float32 model inputs, and some operands must be compile-time
constants (Reshape's shape, Slice's starts/ends/axes/steps, Pow's exponent,
Clip's bounds, ...); PyTorch exports those as initializers or Constant
nodes, but ONNX's tests feed them as graph inputs.  So when pcc refuses a
model
  - for non-float32 inputs, all of them int64/int32/bool tensors other than
    the first graph input, or
  - saying an input "must be a compile-time constant" (naming it; any element
    type), other than the first graph input,
and each such input has the same value in every data set, the runner retries
with those inputs turned into initializers holding the test's values
(WORK/<test_name>.frozen.onnx; the test line says "['shape' frozen as
initializer]").  pcc takes float initializers for trainable parameters, so
an input it still calls not constant once it is an initializer is frozen
again as a Constant node (as PyTorch exports literal constants: "['y'
frozen as Constant node]").  The runner retries while each refusal names
inputs it has not frozen yet.  --no-freeze turns this off; those tests are
then not attempted.

Each test ends as one of
  PASS  the numbers match on every data set (and every float32 output);
  FAIL  wrong numbers or shape, pcc crashed, printed something other than one
        'pcc: error:' line, refused a model that is in its documented scope,
        or the library returned an error / crashed;
  SKIP  not attempted: pcc refused the model with a message naming something
        its README puts out of scope (see OUT_OF_SCOPE below for the list),
        or a graph output is not float32.
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
# operators").  Squeeze, Unsqueeze, Gather (constant indices) and Concat now
# have graph forms as well as their compile-time folding; Shape,
# ConstantOfShape and Cast are still only folded on compile-time constants,
# so their one-node tests (which feed them graph inputs) are out of scope and
# not in the default list.
PCC_OPS = ("Add Sub Mul Div Neg Relu LeakyRelu Sigmoid Tanh Exp Log Softmax "
           "LogSoftmax Identity Flatten Reshape Transpose Gemm MatMul "
           "Constant "
           "Conv MaxPool AveragePool GlobalAveragePool Pad BatchNormalization "
           "Dropout Concat Split Slice Squeeze Unsqueeze Gather Expand "
           "ReduceMean ReduceSum Clip Elu Softplus Sqrt Abs Pow "
           "RNN GRU LSTM "
           "Erf Where LayerNormalization HardSigmoid HardSwish Min Max Sum "
           "Mean ReduceMax ReduceMin GlobalMaxPool Reciprocal Resize "
           "Upsample").split()

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
CONSTANT = "must be a compile-time constant"
NOT_CONSTANT = ("an operand pcc needs as a compile-time constant is a graph "
                "input")


def _refused(keyword):
    """pcc's error line says 'not supported' and KEYWORD (a regex) in the same
    ';'-free clause, either order, any case.  The clause limit keeps the
    supported-operator list after 'operator is not supported;' from
    matching."""
    return (r"(?i)not supported[^;]*(%s)|(%s)[^;]*not supported"
            % (keyword, keyword))


# pcc's refusals that are out of its documented scope (README: "Models need
# float32 inputs with static shapes"; "Not yet: batched (N-D x N-D) MatMul;
# dynamic shapes"; the operators' documented forms).  (regex on pcc's error
# line, reason shown); the first match wins.  Any other refusal is a FAIL.
# The _refused() entries key on 'not supported' plus one word, so pcc's
# messages for these forms must contain both (the README lists them).
OUT_OF_SCOPE = [
    (r"input '.*' must be a float32 tensor",
     NON_FLOAT),
    (r"has element type \w+; only float32, int64, int32",
     "tensor of an unsupported element type"),
    (_refused(r"element type"),
     "non-float32 element type"),
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
    (CONSTANT,
     NOT_CONSTANT),
    (_refused(r"empty tensor"),
     "empty tensor (a dimension is 0)"),
    (_refused(r"spatial dimension") + r"|only 1-D and 2-D \w+ (is|are) "
     r"supported",
     "convolution/pooling over 3 or more spatial dimensions"),
    (_refused(r"\bIndices output"),
     "MaxPool's Indices output"),
    (_refused(r"\bedge\b|\breflect\b|\bwrap\b"),
     "Pad mode edge/reflect/wrap"),
    (_refused(r"training") + r"|training_mode must be a constant false",
     "training mode (BatchNormalization training_mode=1, Dropout "
     "training_mode=true)"),
    (_refused(r"\bmask output"),
     "Dropout's mask output"),
    (_refused(r"elementwise exponent"),
     "Pow with an exponent tensor of different values"),
    (_refused(r"sequence_lens"),
     "sequence_lens shorter than the sequence (varying per batch element)"),
    (_refused(r"direction"),
     "reverse or bidirectional recurrence"),
    (_refused(r"'cubic'"),
     "Resize mode cubic"),
    (_refused(r"exclude_outside"),
     "Resize exclude_outside"),
    (_refused(r"tf_crop_and_resize"),
     "Resize coordinate mode tf_crop_and_resize"),
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


def model_input_protos(model_path):
    """The ValueInfoProtos of the graph inputs that are not initializers, in
    graph order (the order of input_K.pb)."""
    import onnx
    model = onnx.load(model_path, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    return [inp for inp in model.graph.input if inp.name not in inits]


def describe_input_types(model_path):
    """Non-float32 graph inputs, e.g. "'shape': int64 tensor"."""
    import onnx
    return ", ".join(
        "'%s': %s" % (inp.name, onnx_type_string(inp.type))
        for inp in model_input_protos(model_path)
        if inp.type.WhichOneof("value") != "tensor_type"
        or inp.type.tensor_type.elem_type != onnx.TensorProto.FLOAT)


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


def graph_inputs(model_path):
    """[(name, elem_type or None when not a tensor)] of model_input_protos."""
    return [(inp.name, inp.type.tensor_type.elem_type
             if inp.type.WhichOneof("value") == "tensor_type" else None)
            for inp in model_input_protos(model_path)]


def graph_outputs(model_path):
    """[(name, None when a float32 tensor, else e.g. 'bool tensor')] of the
    graph outputs, in graph order (the order of output_K.pb)."""
    import onnx
    model = onnx.load(model_path, load_external_data=False)
    out = []
    for o in model.graph.output:
        t = o.type
        is_float = (t.WhichOneof("value") == "tensor_type"
                    and t.tensor_type.elem_type == onnx.TensorProto.FLOAT)
        out.append((o.name, None if is_float else onnx_type_string(t)))
    return out


INITIALIZER = "initializer"
CONSTANT_NODE = "Constant node"


def freeze_candidates(msg, reason, inputs, frozen):
    """{input name: INITIALIZER or CONSTANT_NODE}: the graph inputs to freeze
    (or to re-freeze) after pcc refused with MSG (classified as REASON), or
    None.  INPUTS: graph_inputs() of the original model; FROZEN: the same
    kind of dict for what is frozen already.  Never the first input (the
    data)."""
    import onnx
    eligible = [n for n, _ in inputs[1:]]
    if reason.startswith(NON_FLOAT):
        # pcc names the first non-float32 input only; freeze them all, if
        # every one can be frozen (an integer or bool tensor that is not the
        # first input), as PyTorch exports Reshape's shape.
        freezable = (onnx.TensorProto.INT64, onnx.TensorProto.INT32,
                     onnx.TensorProto.BOOL)
        todo = [(n, e) for n, e in inputs
                if e != onnx.TensorProto.FLOAT and n not in frozen]
        if not todo or any(n not in eligible or e not in freezable
                           for n, e in todo):
            return None
        return {n: INITIALIZER for n, _ in todo}
    if CONSTANT in msg:
        # "... (input 'NAME') must be a compile-time constant": the quoted
        # names that are graph inputs (if none is, every input but the
        # first).  Not frozen yet: as an initializer.  Frozen as one already
        # (pcc takes float initializers for trainable parameters): as a
        # Constant node, as PyTorch exports literal constants.
        names = {n for n, _ in inputs}
        named = [q for q in re.findall(r"'([^']*)'", msg) if q in names]
        todo = {}
        for n in (named or eligible):
            if n not in eligible:
                continue
            if n not in frozen:
                todo[n] = INITIALIZER
            elif frozen[n] == INITIALIZER:
                todo[n] = CONSTANT_NODE
        return todo or None
    return None


def freeze_inputs(tdir, workdir, frozen):
    """Write a copy of TDIR's model whose graph inputs in FROZEN ({name:
    INITIALIZER or CONSTANT_NODE}) hold test_data_set_0's values, as
    initializers or as Constant nodes feeding the node; its path, or None
    when some data set lacks one of them or the data sets disagree on its
    value."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
    model = onnx.load(os.path.join(tdir, "model.onnx"),
                      load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    sets = sorted(d for d in os.listdir(tdir) if d.startswith("test_data_set_"))
    if not sets:
        return None
    constants = []
    for k, inp in enumerate(inputs):
        if inp.name not in frozen:
            continue
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
        if any(values[0].dtype != v.dtype or values[0].shape != v.shape
               or not np.array_equal(values[0], v) for v in values[1:]):
            return None
        tensor = numpy_helper.from_array(values[0], inp.name)
        if frozen[inp.name] == INITIALIZER:
            model.graph.initializer.append(tensor)
        else:
            constants.append(helper.make_node(
                "Constant", [], [inp.name], value=tensor,
                name="frozen " + inp.name))
            model.graph.input.remove(inp)
    for node in reversed(constants):
        model.graph.node.insert(0, node)
    path = os.path.join(workdir, os.path.basename(tdir) + ".frozen.onnx")
    onnx.save(model, path)
    return path


def frozen_text(frozen):
    """"'shape' frozen as initializer" (or several, by kind)."""
    parts = []
    for kind in (INITIALIZER, CONSTANT_NODE):
        names = [n for n in frozen if frozen[n] == kind]
        if names:
            parts.append("%s frozen as %s" % (quoted_names(names), kind))
    return "; ".join(parts)


def quoted_names(names):
    return ", ".join("'%s'" % n for n in names)


def check_output(tdir, op, pcc, workdir, lib, output, index, freeze, state):
    """Compile (freezing constant inputs as needed) and check one output.

    OUTPUT: the name passed as --output=OUTPUT, or None (single-output
    model, no --output).  STATE: {"model": path, "frozen": {name: kind}},
    shared by the outputs of one test and updated by freezing.  Returns
    {status, reason}."""
    inputs = graph_inputs(os.path.join(tdir, "model.onnx"))
    extra = ["--output=" + output] if output is not None else []
    # Each retry freezes at least one more input or moves one from
    # initializer to Constant node.
    for _ in range(2 * len(inputs) + 1):
        model = state["model"]
        try:
            p = subprocess.run([pcc, model, "-o", lib, "--emit=lib"] + extra,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=COMPILE_TIMEOUT_S,
                               universal_newlines=True)
        except subprocess.TimeoutExpired:
            return {"status": "FAIL",
                    "reason": "pcc timed out after %ds" % COMPILE_TIMEOUT_S}
        except OSError as e:  # e.g. the binary is being relinked
            return {"status": "FAIL", "reason": "cannot run pcc: %s" % e}
        if p.returncode != 1:
            break
        status, reason = classify_refusal(p.stderr, op, model)
        if status == "FAIL" and os.path.exists(lib):
            reason += " (and left %s behind)" % lib
        todo = None
        if freeze and status == "SKIP":
            lines = [l for l in p.stderr.splitlines() if l.strip()]
            todo = freeze_candidates(lines[0], reason, inputs,
                                     state["frozen"])
        path = todo and freeze_inputs(tdir, workdir,
                                      {**state["frozen"], **todo})
        if not path:
            # (A FAIL line shows the frozen inputs anyway.)
            if state["frozen"] and status == "SKIP":
                reason += " (%s)" % frozen_text(state["frozen"])
            return {"status": status, "reason": reason}
        # Again, with those inputs frozen.
        state["frozen"].update(todo)
        state["model"] = path
    else:
        return {"status": status, "reason": reason}
    if p.returncode != 0:
        how = ("killed by signal %d" % -p.returncode if p.returncode < 0
               else "exit %d" % p.returncode)
        return {"status": "FAIL", "reason": ("pcc crashed (%s) %s" % (
            how, p.stderr.strip()[-400:])).strip()}
    if not os.path.isfile(lib):
        return {"status": "FAIL",
                "reason": "pcc exited 0 but wrote no library"}

    cmd = [sys.executable, os.path.abspath(__file__),
           "--run-one", tdir, model, lib]
    if output is not None:
        cmd += ["--output-index=%d" % index, "--output-name=" + output]
    try:
        c = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=RUN_TIMEOUT_S, universal_newlines=True)
    except subprocess.TimeoutExpired:
        return {"status": "FAIL",
                "reason": "predict timed out after %ds" % RUN_TIMEOUT_S}
    last = c.stdout.strip().splitlines()[-1:] or [""]
    try:
        return json.loads(last[0])
    except ValueError:
        sig = -c.returncode if c.returncode < 0 else None
        return {"status": "FAIL", "reason": (
            "library crashed (signal %d)" % sig if sig else
            "checker exited %d: %s" % (
                c.returncode, (c.stderr or c.stdout).strip()[-400:]))}


def run_test(args):
    """Worker: compile and check one test.  Returns a result dict."""
    name, op, data_dir, pcc, workdir, freeze = args
    tdir = os.path.join(data_dir, name)
    res = {"name": name, "op": op}
    t0 = time.time()
    state = {"model": os.path.join(tdir, "model.onnx"), "frozen": {}}
    outputs = graph_outputs(state["model"])
    if len(outputs) <= 1:
        # One output: no --output, the library is WORK/<test_name>.so.
        res.update(check_output(tdir, op, pcc, workdir,
                                os.path.join(workdir, name + ".so"), None, 0,
                                freeze, state))
    else:
        # One library per output; every float32 output must pass.
        per = []
        for k, (oname, otype) in enumerate(outputs):
            if otype is not None:
                per.append((oname, {"status": "SKIP", "reason":
                                    "non-float32 graph output ('%s': %s)" % (
                                        oname, otype)}))
                continue
            lib = os.path.join(workdir, "%s.out%d.so" % (name, k))
            per.append((oname, check_output(tdir, op, pcc, workdir, lib,
                                            oname, k, freeze, state)))
        fails = [(o, r) for o, r in per if r["status"] == "FAIL"]
        skips = [(o, r) for o, r in per if r["status"] == "SKIP"]
        passed = [o for o, r in per if r["status"] == "PASS"]
        if fails:
            o, r = fails[0]
            reason = "output '%s': %s" % (o, r["reason"])
            if len(fails) > 1:
                reason += " (and %d more failing output(s): %s)" % (
                    len(fails) - 1, quoted_names(o for o, _ in fails[1:]))
            res.update(status="FAIL", reason=reason)
        elif skips:
            res.update(status="SKIP", reason=skips[0][1]["reason"])
        else:
            res.update(status="PASS", reason="%s; outputs %s" % (
                per[0][1]["reason"], quoted_names(passed)))
        if passed and (fails or skips):
            res["outputs_passed"] = quoted_names(passed)
    if state["frozen"]:
        res["frozen"] = frozen_text(state["frozen"])
    res["seconds"] = round(time.time() - t0, 2)
    return res


def run_one(tdir, model_path, lib, output_index=0, output_name=None):
    """Child process: load LIB (compiled from MODEL_PATH, TDIR's model or its
    frozen copy), feed the data sets of TDIR, compare with output_K.pb,
    K = OUTPUT_INDEX.  OUTPUT_NAME: the graph output LIB was compiled for
    with --output (None: a single-output model).

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

    # The data files follow the original model's inputs and outputs; pcc's
    # inputs follow the compiled model's (fewer when inputs were frozen).
    data_inputs = model_inputs(os.path.join(tdir, "model.onnx"))
    compiled_inputs = model_inputs(model_path)
    n_outputs = len(onnx.load(os.path.join(tdir, "model.onnx"),
                              load_external_data=False).graph.output)

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
    if [i["name"] for i in sig_inputs] != compiled_inputs:
        return done("FAIL", "pcc's inputs %s are not the graph inputs %s" % (
            [i["name"] for i in sig_inputs], compiled_inputs))

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
            if n_out != n_outputs:
                return done("SKIP", "%d expected outputs for %d graph "
                            "outputs" % (n_out, n_outputs))
            protos = [load("input", k) for k in range(n_in)]
            # Match by name when the protos are named, else by position
            # (ONNX's own runner feeds the non-initializer graph inputs in order).
            by_name = {t.name: t for t in protos if t.name}
            if not all(n in by_name for n in compiled_inputs):
                if len(protos) != len(data_inputs):
                    return done("FAIL", "%d input files for %d model inputs" % (
                        len(protos), len(data_inputs)))
                by_name = dict(zip(data_inputs, protos))
            ordered = [by_name[n] for n in compiled_inputs]
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
            expected_proto = load("output", output_index)
            if (output_name is not None and expected_proto.name
                    and expected_proto.name != output_name):
                return done("FAIL", "output_%d.pb is '%s', not '%s'" % (
                    output_index, expected_proto.name, output_name))
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
                    help="do not retry models whose constant operands are "
                    "graph inputs (Reshape's shape, Pow's exponent, ...) with "
                    "those inputs frozen as initializers / Constant nodes")
    ap.add_argument("--run-one", nargs=3, metavar=("TESTDIR", "MODEL", "LIB"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--output-index", type=int, default=0,
                    help=argparse.SUPPRESS)
    ap.add_argument("--output-name", help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.run_one:
        return run_one(*a.run_one, output_index=a.output_index,
                       output_name=a.output_name)
    if not a.pcc:
        ap.error("--pcc is required")
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        print("error: %s needs python3 with numpy and onnx (Debian: "
              "python3-numpy, python3-onnx; /usr/bin/python3 has them): %s"
              % (sys.executable, e), file=sys.stderr)
        return 2
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
                        line += " [%s]" % r["frozen"]
                    if r.get("outputs_passed"):
                        line += " [output(s) %s passed]" % r["outputs_passed"]
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
