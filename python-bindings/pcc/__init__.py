"""pcc: compile a neural network into a native library that trains by
predictive coding, and drive it from numpy.

    import pcc
    m = pcc.compile(torch_module, example_input, algorithm="il", loss="ce")
    stats = m.train_step(x, target)          # relax, then update
    y = m.predict(x)

``compile`` runs pcc's compiler in this process (no subprocess) and loads the
library; ``load`` opens a library the ``pcc`` driver built. Arrays going in
must be C-contiguous float32 of the shapes in ``Model.signature``. Library
calls release the GIL, so different models can train in different threads
(one model must not be called from two threads at once).
"""

import collections
import json
import os
import re
import shutil
import tempfile
import threading
import weakref

import numpy as np

from . import _config
from . import _pcc

Error = _pcc.Error
Error.__doc__ = "An error reported by pcc's compiler or by a model library."

StepStats = collections.namedtuple("StepStats", "loss energy steps")
StepStats.__doc__ = """What one train_step or gradients call reports.

loss: the loss at the forward pass (the batch mean, or the sum with
loss_reduction="sum"); energy: the free energy after relaxation; steps:
the inference steps run."""

QueryResult = collections.namedtuple("QueryResult",
                                     "inputs output loss energy steps")
QueryResult.__doc__ = """What infer() returns.

inputs: name -> the relaxed value of every input (clamped ones unchanged);
output: the output value node (observed elements are the target, masked
ones relaxed); loss: the observed loss at the start; energy: the free
energy after relaxation; steps: the inference steps run."""

HYPERPARAMETERS = ("learning_rate", "inference_rate", "inference_steps",
                   "nudge")

__all__ = ["compile", "load", "Model", "StepStats", "QueryResult", "Error",
           "HYPERPARAMETERS"]


def _flag_value(name, value):
    if isinstance(value, bool) or value is None:
        raise TypeError("compile(): %s=%r is not a valid value" % (name, value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _driver_flags(options):
    """(flag, value) pairs for _pcc.compile from keyword arguments."""
    known = set(_pcc.compile_flags)
    flags = []
    for name, value in options.items():
        if value is None:
            continue
        flag = name.replace("_", "-")
        if flag not in known or flag in ("output", "emit"):
            allowed = sorted(f.replace("-", "_") for f in known
                             if f not in ("output", "emit"))
            raise TypeError("compile() got an unknown argument %r (expected "
                            "one of %s)" % (name, ", ".join(allowed + [
                                "model_output", "output"])))
        if flag == "freeze":
            names = [value] if isinstance(value, str) else list(value)
            flags += [("freeze", str(n)) for n in names]
        elif flag == "queries":
            if not isinstance(value, bool):
                raise TypeError("compile(): queries must be True or False, "
                                "got %r" % (value,))
            flags.append(("queries", "on" if value else "off"))
        elif flag == "input-shape":
            if not isinstance(value, dict):
                raise TypeError("compile(): input_shape must be a dict of "
                                "input name -> shape, got %r" % (value,))
            for input_name, dims in value.items():
                flags.append(("input-shape", "%s:%s" % (
                    input_name, ",".join(str(int(d)) for d in dims))))
        else:
            flags.append((flag, _flag_value(name, value)))
    return flags


# torch.onnx.export is not thread-safe (tracing state is global); the
# compile that follows is.
_EXPORT_LOCK = threading.Lock()


def _export_torch(module, example_inputs, path, opset):
    import torch  # only needed for torch modules

    if isinstance(example_inputs, torch.Tensor) or isinstance(
            example_inputs, np.ndarray):
        example_inputs = (example_inputs,)
    if example_inputs is None:
        raise TypeError("compile(): a torch module needs example_inputs (a "
                        "tensor or a tuple of tensors of the compiled shapes)")
    args = tuple(torch.as_tensor(a) for a in example_inputs)
    names = ["x"] if len(args) == 1 else ["x%d" % i for i in range(len(args))]
    # PRESERVE: exported as the module is now (batch norm in train mode
    # keeps batch statistics and running estimates).
    buffers = {n: b.detach().clone() for n, b in module.named_buffers()}
    with _EXPORT_LOCK:
        try:
            torch.onnx.export(module, args, path, opset_version=opset,
                              input_names=names, output_names=["y"],
                              training=torch.onnx.TrainingMode.PRESERVE,
                              do_constant_folding=False)
        finally:
            # Tracing runs the module, which in training mode moves batch
            # norm's running estimates: put them back in the module ...
            moved = {}
            with torch.no_grad():
                for n, b in module.named_buffers():
                    if n in buffers and not torch.equal(b, buffers[n]):
                        moved[n] = buffers[n]
                        b.copy_(buffers[n])
    # ... and in the exported initializers of the same name.
    if moved:
        _set_initializers(path, moved)


def _set_initializers(path, values):
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    for init in model.graph.initializer:
        value = values.get(init.name)
        if value is not None and list(init.dims) == list(value.shape):
            init.CopyFrom(numpy_helper.from_array(value.cpu().numpy(),
                                                  init.name))
    onnx.save(model, path)


def compile(model, example_inputs=None, *, algorithm="il", loss="mse",
            inference_steps=20, inference_rate=None, learning_rate=1e-3,
            optimizer="adam", batch=None, output=None, model_output=None,
            opset=13, **driver_flags):
    """Compile ``model`` and load the library.

    model: an ONNX file path, the bytes of an ONNX model (or an
    ``onnx.ModelProto``), or a ``torch.nn.Module`` (exported with
    ``torch.onnx.export`` at ``opset``, called on ``example_inputs``, in the
    module's current train/eval mode; batch norm's running estimates are
    left as they were, in the module and in the library's initial states,
    although the export runs the module). The keyword arguments are the pcc
    driver's flags with ``_`` for ``-`` (``freeze=["fc.weight"]``,
    ``input_shape={"x": [8, 3]}``, ``prefix``, ``O``, ``mcpu``...);
    ``model_output`` is the driver's ``--output`` (the graph tensor
    compiled as the output). ``output``: where to write the library
    (default: a temporary file removed with the model).
    """
    options = dict(algorithm=algorithm, loss=loss,
                   inference_steps=inference_steps,
                   inference_rate=inference_rate,
                   learning_rate=learning_rate, optimizer=optimizer,
                   batch=batch)
    options.update(driver_flags)
    flags = _driver_flags(options)
    if model_output is not None:
        flags.append(("output", str(model_output)))
    workdir = tempfile.mkdtemp(prefix="pcc-")
    data = None
    try:
        if isinstance(model, (str, os.PathLike)):
            onnx_path = os.fspath(model)
            if not os.path.isfile(onnx_path):
                raise FileNotFoundError("compile(): no ONNX file %r" % onnx_path)
            if example_inputs is not None:
                raise TypeError("compile(): example_inputs is for torch "
                                "modules; an ONNX file has its own shapes "
                                "(use input_shape= or batch=)")
        elif isinstance(model, (bytes, bytearray, memoryview)) or hasattr(
                model, "SerializeToString"):
            if example_inputs is not None:
                raise TypeError("compile(): example_inputs is for torch "
                                "modules; an ONNX model has its own shapes "
                                "(use input_shape= or batch=)")
            data = (bytes(model) if not hasattr(model, "SerializeToString")
                    else model.SerializeToString())
            onnx_path = os.path.join(workdir, "model.onnx")
            # Compiled from memory; the file is kept for export_onnx.
            with open(onnx_path, "wb") as f:
                f.write(data)
        elif hasattr(model, "forward") and hasattr(model, "state_dict"):
            onnx_path = os.path.join(workdir, "model.onnx")
            _export_torch(model, example_inputs, onnx_path, opset)
        else:
            raise TypeError("compile(): model must be an ONNX file path, "
                            "ONNX bytes or a torch.nn.Module, got %s"
                            % type(model).__name__)
        lib_path = os.fspath(output) if output is not None else os.path.join(
            workdir, "model.so")
        _pcc.compile(onnx_path, lib_path, flags, _config.runtime_dir(),
                     data)
        # Keep the ONNX graph for export_onnx.
        kept_onnx = os.path.join(workdir, "model.onnx")
        if onnx_path != kept_onnx:
            shutil.copyfile(onnx_path, kept_onnx)
        prefix = dict(flags).get("prefix", "pcc")
        m = Model(lib_path, prefix, onnx=kept_onnx)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    weakref.finalize(m, shutil.rmtree, workdir, True)
    return m


_SIGNATURE_SYMBOL = re.compile(rb"([A-Za-z_][A-Za-z0-9_]*)_signature\x00")


def _find_prefix(path):
    with open(path, "rb") as f:
        data = f.read()
    prefixes = [p.decode() for p in set(_SIGNATURE_SYMBOL.findall(data))
                if (p + b"_train_step\x00") in data]
    if len(prefixes) != 1:
        raise Error("%r: cannot tell the library's prefix (found %s); pass "
                    "prefix=" % (path, sorted(prefixes) or "none"))
    return prefixes[0]


def load(path, prefix=None, onnx=None):
    """Open a model library built by ``pcc model.onnx -o path``.

    prefix: the library's ``--prefix`` (default: found in the file).
    onnx: the ONNX file it was compiled from, for ``export_onnx``.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError("load(): no library %r" % path)
    return Model(path, prefix or _find_prefix(path), onnx=onnx)


class Model:
    """One model instance of a compiled library (parameters, optimizer
    state, batch-norm state), created from its initial values."""

    def __init__(self, path, prefix="pcc", onnx=None):
        self._lib = _pcc.Library(os.path.abspath(path), prefix)
        self._m = _pcc.Model(self._lib)
        self.path = path
        self.onnx_path = onnx
        self.signature = json.loads(self._lib.signature())
        sig = self.signature
        self._inputs = [(i["name"], tuple(i["shape"])) for i in sig["inputs"]]
        self._output = (sig["output"]["name"], tuple(sig["output"]["shape"]))
        self._param_names = [p["name"] for p in sig["params"]]
        self._trainable = {p["name"]: p.get("trainable", True)
                           for p in sig["params"]}
        self._state_names = [s["name"] for s in sig.get("states", [])]
        self._hidden = collections.OrderedDict(
            (h["name"], tuple(h["shape"])) for h in sig.get("hidden", []))
        self._hyper = dict(sig["hyperparameters"])
        #: name -> writable view of the parameter (live: the next call sees
        #: writes, and the view sees every update).
        self.params = collections.OrderedDict(
            (n, self._m.param(i)) for i, n in enumerate(self._param_names))
        self.last_stats = None
        self.last_query = None

    def __repr__(self):
        return "<pcc.Model %s: %s, %s, inputs %s -> %s>" % (
            os.path.basename(self.path), self.signature["algorithm"],
            self.signature["loss"],
            ", ".join("%s%s" % (n, list(s)) for n, s in self._inputs),
            list(self._output[1]))

    # -- arguments ---------------------------------------------------------

    @staticmethod
    def _check(what, name, a, shape):
        if not isinstance(a, np.ndarray):
            raise TypeError("%s %r must be a numpy float32 array of shape %s, "
                            "got %s" % (what, name, list(shape),
                                        type(a).__name__))
        if a.dtype != np.float32:
            raise TypeError("%s %r has dtype %s, expected float32 (shape %s)"
                            % (what, name, a.dtype, list(shape)))
        if a.shape != tuple(shape):
            raise ValueError("%s %r has shape %s, expected %s"
                             % (what, name, list(a.shape), list(shape)))
        if not a.flags.c_contiguous:
            raise ValueError("%s %r is not C-contiguous (np.ascontiguousarray "
                             "makes a copy that is)" % (what, name))
        return a

    def _checked_inputs(self, inputs, call):
        if len(inputs) != len(self._inputs):
            raise TypeError("%s() takes %d input(s) (%s), got %d" % (
                call, len(self._inputs),
                ", ".join("%s%s" % (n, list(s)) for n, s in self._inputs),
                len(inputs)))
        return [self._check("input", n, a, s)
                for (n, s), a in zip(self._inputs, inputs)]

    def _split_target(self, args, target, call):
        if target is None:
            if not args:
                raise TypeError("%s() needs the inputs and a target" % call)
            args, target = args[:-1], args[-1]
        inputs = self._checked_inputs(args, call)
        return inputs, self._check("target", "target", target,
                                   self._output[1])

    # -- running -----------------------------------------------------------

    def predict(self, *inputs):
        """The model's output (the forward pass) for the inputs."""
        xs = self._checked_inputs(inputs, "predict")
        out = np.empty(self._output[1], np.float32)
        self._m.predict(xs, out)
        return out

    def train_step(self, *args, target=None, free=None, target_mask=None,
                   clamp=None, momentum=0.0):
        """train_step(x1, ..., target): relax, then update the parameters
        (and batch-norm state). Returns StepStats.

        With free, target_mask or clamp (as for infer), the relaxation is
        that query's: ``m.train_step(z0, img, free=["z"])`` infers the
        latent z from z0, then the parameters learn; the query's result is
        in last_query. momentum: as for infer."""
        if free is None and target_mask is None and clamp is None and \
                momentum == 0:
            xs, t = self._split_target(args, target, "train_step")
            self.last_stats = StepStats(*self._m.train(xs, t, True))
            return self.last_stats
        if target is None:
            if not args:
                raise TypeError("train_step() needs the inputs and a target")
            args, target = args[:-1], args[-1]
        r = self._query("train_step", args, None, free, target, target_mask,
                        clamp, 0, 0.0, momentum, True)
        self.last_stats = StepStats(r.loss, r.energy, r.steps)
        return self.last_stats

    def infer(self, *args, inputs=None, free=None, target=None,
              target_mask=None, clamp=None, steps=0, rate=0.0,
              momentum=0.0):
        """Relax the network with any inputs free, the target partly or
        wholly masked and hidden tensors clamped; changes no parameter.

        inputs: the inputs, positionally or as ``inputs={name: array}``; a
        free input left out starts at zero. free: names of free inputs, or
        name -> element mask (1 free, 0 clamped). target: the observed
        output and where masked elements start (None: nothing observed, the
        output starts at the prediction). target_mask: 1 where the target
        is masked (free), 0 where observed. clamp: hidden tensor name (see
        ``hidden``) -> values, or -> (values, mask) with 1 where clamped.
        steps, rate: 0 for the model's inference_steps and inference_rate.
        momentum: heavy-ball relaxation, v = momentum * v - dF/dx,
        x += rate * v, from 0 (plain gradient descent) to below 1; 0.9
        relaxes an ill-conditioned energy (a memorising generative model's
        latent) many times faster.
        Returns QueryResult; the gradient estimate at the relaxed state is
        left for apply_gradients()."""
        r = self._query("infer", args, inputs, free, target, target_mask,
                        clamp, steps, rate, momentum, False)
        self.last_stats = StepStats(r.loss, r.energy, r.steps)
        return r

    @property
    def hidden(self):
        """name -> shape of every hidden tensor a query can clamp."""
        return collections.OrderedDict(self._hidden)

    def _mask(self, what, name, value, shape):
        a = self._check(what, name, value, shape)
        if not np.all((a == 0) | (a == 1)):
            raise ValueError("%s %r must hold only 0 and 1" % (what, name))
        return a

    def _query(self, call, args, inputs, free, target, target_mask, clamp,
               steps, rate, momentum, update):
        names = [n for n, _ in self._inputs]
        free = {} if free is None else free
        if isinstance(free, str):
            free = [free]
        if not isinstance(free, dict):
            free = {n: None for n in free}
        unknown = [n for n in free if n not in names]
        if unknown:
            raise KeyError("%s(): free=%r names no input (inputs: %s)" % (
                call, unknown[0], ", ".join(names)))
        if inputs is not None:
            if args:
                raise TypeError("%s(): give the inputs positionally or as "
                                "inputs=, not both" % call)
            if not isinstance(inputs, dict):
                raise TypeError("%s(): inputs= must be a dict of input name "
                                "-> array" % call)
            bad = [n for n in inputs if n not in names]
            if bad:
                raise KeyError("%s(): inputs=%r names no input (inputs: %s)"
                               % (call, bad[0], ", ".join(names)))
            args = []
            for n, shape in self._inputs:
                if n in inputs:
                    args.append(inputs[n])
                elif n in free:
                    args.append(np.zeros(shape, np.float32))
                else:
                    raise TypeError("%s(): input %r is clamped but not given"
                                    % (call, n))
        xs = self._checked_inputs(args, call)
        free_masks = []
        for (n, shape) in self._inputs:
            if n not in free:
                free_masks.append(None)
            elif free[n] is None:
                free_masks.append(np.ones(shape, np.float32))
            else:
                free_masks.append(self._mask("free mask", n, free[n], shape))
        out_shape = self._output[1]
        if target is not None:
            target = self._check("target", "target", target, out_shape)
        if target_mask is not None:
            if target is None:
                raise TypeError("%s(): target_mask needs a target (it holds "
                                "the observed values and where masked ones "
                                "start)" % call)
            target_mask = self._mask("target_mask", "target", target_mask,
                                     out_shape)
        clamp = clamp or {}
        if not isinstance(clamp, dict):
            raise TypeError("%s(): clamp= must be a dict of hidden tensor "
                            "name -> values or (values, mask)" % call)
        clamp_names, clamp_values, clamp_masks = [], [], []
        for n, v in clamp.items():
            if n not in self._hidden:
                where = ("an input: free it with free=" if n in names else
                         "the output: use target= and target_mask="
                         if n == self._output[0] else "not a hidden tensor")
                raise KeyError("%s(): clamp=%r is %s (hidden tensors: %s)"
                               % (call, n, where,
                                  ", ".join(self._hidden) or "none"))
            mask = None
            if isinstance(v, tuple):
                if len(v) != 2:
                    raise TypeError("%s(): clamp[%r] must be values or "
                                    "(values, mask)" % (call, n))
                v, mask = v
            shape = self._hidden[n]
            clamp_names.append(n)
            clamp_values.append(self._check("clamp", n, v, shape))
            clamp_masks.append(None if mask is None else
                               self._mask("clamp mask", n, mask, shape))
        if isinstance(steps, bool) or int(steps) != steps or steps < 0:
            raise ValueError("%s(): steps must be a whole number >= 0 (0: the "
                             "model's inference_steps), got %r" % (call, steps))
        if not np.isfinite(rate) or rate < 0:
            raise ValueError("%s(): rate must be finite and >= 0 (0: the "
                             "model's inference_rate), got %r" % (call, rate))
        if isinstance(momentum, bool) or not (0 <= momentum < 1):
            raise ValueError("%s(): momentum must be >= 0 and < 1 (0: plain "
                             "gradient descent), got %r" % (call, momentum))
        relaxed = [np.empty(shape, np.float32) for _, shape in self._inputs]
        output = np.empty(out_shape, np.float32)
        loss, energy, steps_run = self._m.query(
            xs, free_masks, target, target_mask, clamp_names, clamp_values,
            clamp_masks, int(steps), float(rate), float(momentum), update,
            relaxed, output)
        r = QueryResult(collections.OrderedDict(zip(names, relaxed)), output,
                        loss, energy, steps_run)
        self.last_query = r
        return r

    def gradients(self, *args, target=None):
        """gradients(x1, ..., target): the parameter gradients the algorithm
        computes (torch's .grad sign), as name -> array; changes nothing.
        The call's StepStats are in last_stats."""
        xs, t = self._split_target(args, target, "gradients")
        self.last_stats = StepStats(*self._m.train(xs, t, False))
        return collections.OrderedDict(
            (n, self._m.grad(i)) for i, n in enumerate(self._param_names))

    @property
    def grads(self):
        """name -> copy of the gradient estimate the last gradients(),
        train_step() or infer() computed (torch's .grad sign)."""
        return collections.OrderedDict(
            (n, self._m.grad(i).copy()) for i, n in enumerate(self._param_names))

    def apply_gradients(self, grads=None):
        """One optimizer update along ``grads`` (name -> array; frozen
        parameters may be left out), or along what the last gradients()
        or train_step() computed when None."""
        if grads is None:
            self._m.apply_gradients(None)
            return
        unknown = sorted(set(grads) - set(self._param_names))
        if unknown:
            raise KeyError("apply_gradients(): no parameter named %s"
                           % ", ".join(repr(u) for u in unknown))
        arrays = []
        for name in self._param_names:
            if name not in grads:
                if self._trainable[name]:
                    raise KeyError("apply_gradients(): no gradient for "
                                   "parameter %r" % name)
                arrays.append(None)
                continue
            arrays.append(self._check("gradient", name, grads[name],
                                      self.params[name].shape))
        self._m.apply_gradients(arrays)

    # -- state and settings ------------------------------------------------

    @property
    def states(self):
        """name -> copy of each state tensor (batch-norm running estimates)."""
        return collections.OrderedDict(
            (n, self._m.state(i)) for i, n in enumerate(self._state_names))

    def set_state(self, name, value):
        if name not in self._state_names:
            raise KeyError("no state named %r (states: %s)" % (
                name, ", ".join(self._state_names) or "none"))
        i = self._state_names.index(name)
        shape = tuple(self.signature["states"][i]["shape"])
        self._m.set_state(i, self._check("state", name, value, shape))

    @property
    def hyperparameters(self):
        """The current hyper-parameters (as compiled, then as set())."""
        return dict(self._hyper)

    def set(self, **hyperparameters):
        """set(learning_rate=..., inference_rate=..., inference_steps=...,
        nudge=...) -- nudge only in a library compiled with nudge_mode"""
        for name, value in hyperparameters.items():
            if name not in HYPERPARAMETERS:
                raise TypeError("set() got an unknown hyper-parameter %r "
                                "(expected %s)" % (name,
                                                   ", ".join(HYPERPARAMETERS)))
            try:
                self._m.set_hyperparameter(name, float(value))
            except Error as e:
                raise ValueError(str(e)) from None
            self._hyper[name] = value

    @property
    def optimizer_step(self):
        return self._m.optimizer_step()

    # -- checkpoints -------------------------------------------------------

    def save(self, path):
        """Write parameters, optimizer state, batch-norm state and
        hyper-parameters to an .npz file."""
        arrays = {"signature": np.array(json.dumps(self._layout()))}
        for i, n in enumerate(self._param_names):
            arrays["param/" + n] = self.params[n]
            for which, key in ((0, "adam_m/"), (1, "adam_v/")):
                s = self._m.optimizer_state(i, which)
                if s is not None:
                    arrays[key + n] = s
        for n, v in self.states.items():
            arrays["state/" + n] = v
        arrays["optimizer_step"] = np.array(self.optimizer_step, np.int64)
        for n, v in self._hyper.items():
            arrays["hyper/" + n] = np.array(v)
        with open(path, "wb") as f:
            np.savez(f, **arrays)

    def restore(self, path):
        """Load what save() wrote; the model continues exactly where the
        saved one stood."""
        if not os.path.isfile(path):
            raise FileNotFoundError("restore(): no checkpoint %r" % path)
        with np.load(path) as z:
            saved = json.loads(str(z["signature"]))
            if saved != self._layout():
                raise ValueError("restore(): %r holds another model (its "
                                 "parameters, states or optimizer differ)"
                                 % path)
            for i, n in enumerate(self._param_names):
                self.params[n][...] = z["param/" + n]
                for which, key in ((0, "adam_m/"), (1, "adam_v/")):
                    s = self._m.optimizer_state(i, which)
                    if s is not None:
                        s[...] = z[key + n]
            for n in self._state_names:
                self.set_state(n, np.ascontiguousarray(z["state/" + n]))
            self._m.set_optimizer_step(int(z["optimizer_step"]))
            # Only what differs: a library may report values it cannot be
            # set to (bp runs no inference steps).
            self.set(**{n: z["hyper/" + n].item() for n in self._hyper
                        if z["hyper/" + n].item() != self._hyper[n]})

    def save_checkpoint(self, path):
        """The C ABI's checkpoint (pcc_save_checkpoint): parameters,
        optimizer state and states, readable from C and by
        ``pcc model.onnx --emit=onnx --checkpoint=PATH``."""
        self._m.save_checkpoint(os.fspath(path))

    def load_checkpoint(self, path):
        """Load a pcc_save_checkpoint file (refused, changing nothing, if it
        is of another model)."""
        self._m.load_checkpoint(os.fspath(path))

    def _layout(self):
        sig = self.signature
        return {"params": sig["params"], "states": sig.get("states", []),
                "optimizer": sig["optimizer"]}

    # -- ONNX --------------------------------------------------------------

    def export_onnx(self, path):
        """Write the ONNX graph the model was compiled from with the current
        parameters and states as its initializers (the driver's
        ``--emit=onnx --checkpoint``, on a checkpoint of this model)."""
        if not self.onnx_path or not os.path.isfile(self.onnx_path):
            raise Error("export_onnx(): the ONNX graph of this model is not "
                        "known (pcc.load(path, onnx=...) gives it)")
        workdir = tempfile.mkdtemp(prefix="pcc-export-")
        try:
            checkpoint = os.path.join(workdir, "model.ckpt")
            self.save_checkpoint(checkpoint)
            _pcc.compile(self.onnx_path, os.fspath(path),
                         [("emit", "onnx"), ("checkpoint", checkpoint)],
                         _config.runtime_dir())
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
