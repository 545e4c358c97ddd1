#!/usr/bin/python3
"""Write the tiny model that the runtime ABI tests compile, plus its reference.

    make_tiny_model.py OUT.onnx

writes OUT.onnx (opset 13) and OUT.json beside it (same stem, .json).

Model (seed 0): x[4,3] -> Linear(3,5) -> ReLU -> Linear(5,2) -> y[4,2].

OUT.json holds, as plain JSON numbers (float32 values printed exactly):
  input_name, output_name, input_shape, output_shape, batch
  params:  [{name, shape, data}] in ONNX graph.initializer order
  input:   the fixed input, np.arange(12).reshape(4,3)/10, row-major
  forward: the model's output for that input
  target:  a fixed MSE target [4,2]
  mse_loss: mean over the batch of 0.5*||y - t||^2 at the forward pass
  grads:   dL/dtheta (torch .grad) for that loss, one list per param, in the
           params order
Run with Debian's /usr/bin/python3 (torch 1.13, onnx 1.12, numpy).
"""
import json
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(3, 5)
        self.fc2 = torch.nn.Linear(5, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def main(argv):
    if len(argv) != 2 or not argv[1].endswith(".onnx"):
        sys.stderr.write("usage: make_tiny_model.py OUT.onnx\n")
        return 2
    out_onnx = argv[1]
    out_json = out_onnx[: -len(".onnx")] + ".json"
    out_dir = os.path.dirname(os.path.abspath(out_onnx))
    os.makedirs(out_dir, exist_ok=True)

    torch.manual_seed(0)
    model = Tiny().float().eval()

    x = torch.from_numpy((np.arange(12, dtype=np.float64).reshape(4, 3) / 10)
                         .astype(np.float32))
    target = torch.from_numpy(
        np.array([[0.5, -0.25], [1.0, 0.0], [-0.5, 0.75], [0.25, 1.5]],
                 dtype=np.float32))

    torch.onnx.export(model, (x,), out_onnx, opset_version=13,
                      input_names=["x"], output_names=["y"],
                      do_constant_folding=True)

    # Reference: forward, loss (0.5*sum over features, mean over batch) and
    # the torch gradients of that loss.
    model.zero_grad()
    y = model(x)
    loss = 0.5 * ((y - target) ** 2).sum(dim=1).mean()
    loss.backward()

    # Parameters in ONNX initializer order, matched to torch by name (fall back
    # to matching by value, in case the exporter renamed an initializer).
    m = onnx.load(out_onnx)
    onnx.checker.check_model(m)
    named = dict(model.named_parameters())
    params = []
    used = set()
    for init in m.graph.initializer:
        arr = onnx.numpy_helper.to_array(init)
        p = named.get(init.name)
        if p is None or tuple(p.shape) != arr.shape:
            p = None
            for n, q in named.items():
                if n in used or tuple(q.shape) != arr.shape:
                    continue
                if np.array_equal(q.detach().numpy(), arr):
                    p = q
                    break
        if p is None:
            sys.stderr.write("make_tiny_model.py: initializer %r matches no "
                             "torch parameter\n" % init.name)
            return 1
        used.add(id(p))
        if not np.array_equal(p.detach().numpy(), arr):
            sys.stderr.write("make_tiny_model.py: initializer %r differs from "
                             "its torch parameter\n" % init.name)
            return 1
        params.append({
            "name": init.name,
            "shape": [int(d) for d in arr.shape],
            "data": [float(v) for v in arr.astype(np.float32).reshape(-1)],
            "grad": [float(v) for v in p.grad.detach().numpy().reshape(-1)],
        })
    if len(params) != len(named):
        sys.stderr.write("make_tiny_model.py: expected %d initializers, got "
                         "%d\n" % (len(named), len(params)))
        return 1

    ref = {
        "input_name": m.graph.input[0].name,
        "output_name": m.graph.output[0].name,
        "batch": 4,
        "input_shape": [4, 3],
        "output_shape": [4, 2],
        "params": [{k: p[k] for k in ("name", "shape", "data")}
                   for p in params],
        "input": [float(v) for v in x.numpy().reshape(-1)],
        "forward": [float(v) for v in y.detach().numpy().reshape(-1)],
        "target": [float(v) for v in target.numpy().reshape(-1)],
        "mse_loss": float(loss.item()),
        "grads": [p["grad"] for p in params],
    }
    with open(out_json, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
