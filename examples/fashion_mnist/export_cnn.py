#!/usr/bin/python3
"""Export the Fashion-MNIST CNN to ONNX.

    /usr/bin/python3 examples/fashion_mnist/export_cnn.py [-o cnn.onnx] [--batch N]

A small convolutional network (PyTorch's default initialisation,
torch.manual_seed(0)), input 'x' of shape [64, 1, 28, 28] float32 (the
28x28 images, the same 784 floats per sample as the MLP's input), output 'y'
[64, 10] logits; opset 13, static batch 64 (--batch N changes it; pcc
--batch=N also overrides it when compiling, as nothing in the graph depends
on the batch):

    Conv 1->8, 5x5, pad 2, no bias   [B, 8, 28, 28]
    ReLU, MaxPool 2x2                [B, 8, 14, 14]
    Conv 8->16, 5x5, stride 2, pad 2, no bias   [B, 16, 7, 7]
    ReLU, Flatten                    [B, 784]
    Linear 784->10                   [B, 10]

11,250 parameters: the ONNX initializers 0.weight [8, 1, 5, 5], 3.weight
[16, 8, 5, 5], 6.weight [10, 784], 6.bias [10]. Train it with --loss=ce.

Why this shape: pcc makes every ONNX node a vertex of the predictive-coding
graph, and inference learning (il, T=20 steps of rate 0.1) moves the output
error one vertex per step, weakened at each: the parameters of a vertex d
nodes from the output see roughly P(Binomial(T, rate) = d) of it (about 0.09
at d = 4, 4e-4 at d = 8), and in float32 a signal much smaller than that is
lost in rounding. So the network is kept shallow in nodes: the convolutions
have no bias (a bias is one Add node more in front of each), and the second
stage downsamples by stride instead of a second pooling node. The first
convolution sits 7 nodes from the output, the second 4. The textbook
variant (biases, two MaxPools, first convolution 10 nodes away) costs more
and trained worse with il in a PyTorch simulation of the same relaxation
(0.77 against 0.84 test accuracy after one epoch).
"""

import argparse
import os

import onnx
import torch
import torch.nn as nn


def build():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2, bias=False), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, stride=2, padding=2, bias=False), nn.ReLU(),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10)).eval()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=os.path.join(here, "cnn.onnx"))
    ap.add_argument("--batch", type=int, default=64,
                    help="static batch dimension of x and y (default 64)")
    args = ap.parse_args()
    if args.batch < 1:
        ap.error("--batch must be positive")

    model = build()
    x = torch.zeros(args.batch, 1, 28, 28)
    with torch.no_grad():
        torch.onnx.export(model, x, args.output, opset_version=13,
                          input_names=["x"], output_names=["y"],
                          export_params=True, do_constant_folding=True)

    m = onnx.load(args.output)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    assert ops == ["Conv", "Relu", "MaxPool", "Conv", "Relu", "Flatten",
                   "Gemm"], ops
    names = [i.name for i in m.graph.initializer]
    assert names == [n for n, _ in model.named_parameters()], names
    count = sum(p.numel() for p in model.parameters())
    print("wrote %s (%d bytes): ops %s, initializers %s, %d parameters"
          % (args.output, os.path.getsize(args.output), " ".join(ops), names,
             count))


if __name__ == "__main__":
    main()
