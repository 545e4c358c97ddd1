#!/usr/bin/python3
"""Export the Fashion-MNIST example model to ONNX.

    /usr/bin/python3 examples/fashion_mnist/export_mlp.py [-o mlp.onnx]

A 784-256-256-10 MLP (Linear-ReLU-Linear-ReLU-Linear, PyTorch's default
initialisation, torch.manual_seed(0)), input 'x' of shape [64, 784] float32
(flattened 28x28 images), output 'y' [64, 10] logits; opset 13, static batch
64.  Parameters are the ONNX initializers 0.weight, 0.bias, 2.weight, 2.bias,
4.weight, 4.bias (torch layout: weight [out, in], used by Gemm with transB=1).
Train it with --loss=ce.
"""

import argparse
import os

import onnx
import torch
import torch.nn as nn

BATCH = 64


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=os.path.join(here, "mlp.onnx"))
    args = ap.parse_args()

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 256), nn.ReLU(),
        nn.Linear(256, 10)).eval()
    x = torch.zeros(BATCH, 784)
    with torch.no_grad():
        torch.onnx.export(model, x, args.output, opset_version=13,
                          input_names=["x"], output_names=["y"],
                          export_params=True, do_constant_folding=True)

    m = onnx.load(args.output)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    assert ops == ["Gemm", "Relu", "Gemm", "Relu", "Gemm"], ops
    names = [i.name for i in m.graph.initializer]
    assert names == [n for n, _ in model.named_parameters()], names
    print("wrote %s (%d bytes): ops %s, initializers %s"
          % (args.output, os.path.getsize(args.output), " ".join(ops), names))


if __name__ == "__main__":
    main()
