#!/usr/bin/python3
"""Export the Fashion-MNIST row LSTM to ONNX.

    /usr/bin/python3 examples/fashion_mnist/export_lstm.py [-o lstm.onnx]
                     [--batch N | --dynamic-batch] [--readout last|mean|all]

Each image is read as a sequence of its 28 rows, 28 pixels each: input 'x'
of shape [64, 28, 28] float32 (batch first; the same 784 floats per sample
as the MLP's input), output 'y' [64, 10] logits. The model, as written in
PyTorch (default initialisation, torch.manual_seed(0)):

    lstm = nn.LSTM(28, HIDDEN, batch_first=True)   # HIDDEN = 48
    fc = nn.Linear(HIDDEN, 10)
    _, (h, _) = lstm(x)            # h [1, B, HIDDEN]: the state after row 28
    y = fc(h[-1])

exported the way PyTorch does it (opset 13): one ONNX LSTM node (gates in
ONNX's i, o, f, c order, W [1, 192, 28], R [1, 192, 48], B [1, 384]), the
zero initial state built from the input's shape (Shape, Gather, Unsqueeze,
Concat and a Constant zero tensor of the static batch, Expand), a Transpose
of x to time-major, Gather of the last state and Gemm.

15,466 parameters, initializers in ONNX order: fc.weight [10, 48],
fc.bias [10], then the LSTM's W, R, B (named by the exporter,
onnx::LSTM_*). Train it with --loss=ce.

--readout changes what the Linear layer reads (the checked-in lstm.onnx is
the default, last): mean, the mean of the 28 hidden states,

    y, _ = lstm(x); y = fc(y.mean(1))          # Squeeze, Transpose, ReduceMean

or all, the 28 hidden states side by side (fc = nn.Linear(28 * HIDDEN, 10)),

    y, _ = lstm(x); y = fc(y.reshape(B, -1))   # Squeeze, Transpose, Reshape

They put every time step, not only the last, a few vertices from the
output, which is what il's relaxation reaches in T steps (see README.md).

Static batch 64 by default; the zero initial state is a constant of that
batch, so `pcc --batch=N` cannot change it: export with --batch N instead,
or with --dynamic-batch (symbolic batch 'batch', zero state from
ConstantOfShape; compile with pcc --batch=N).
"""

import argparse
import os
import warnings

import onnx
import torch
import torch.nn as nn

HIDDEN = 48


class RowLSTM(nn.Module):
    def __init__(self, hidden=HIDDEN, readout="last"):
        super().__init__()
        self.readout = readout
        self.lstm = nn.LSTM(28, hidden, batch_first=True)
        self.fc = nn.Linear(hidden * (28 if readout == "all" else 1), 10)

    def forward(self, x):  # x [B, 28, 28]: 28 time steps of 28 pixels
        if self.readout == "last":
            _, (h, _) = self.lstm(x)
            return self.fc(h[-1])
        y, _ = self.lstm(x)  # [B, 28, HIDDEN]: every step's hidden state
        if self.readout == "mean":
            return self.fc(y.mean(1))
        return self.fc(y.reshape(y.shape[0], -1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=os.path.join(here, "lstm.onnx"))
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--batch", type=int, default=64,
                   help="static batch dimension of x and y (default 64)")
    g.add_argument("--dynamic-batch", action="store_true",
                   help="symbolic batch dimension (compile with pcc --batch=N)")
    ap.add_argument("--readout", choices=["last", "mean", "all"],
                    default="last",
                    help="what the Linear layer reads: the last hidden "
                         "state (default), their mean, or all of them")
    args = ap.parse_args()
    if args.batch < 1:
        ap.error("--batch must be positive")

    # The exporter warns that an LSTM exported with a static batch other than
    # 1 only runs at that batch (said above), and about shape inference.
    warnings.filterwarnings("ignore", category=UserWarning,
                            module=r"torch\.onnx")

    torch.manual_seed(0)
    model = RowLSTM(readout=args.readout).eval()
    x = torch.zeros(args.batch, 28, 28)
    dynamic = ({"x": {0: "batch"}, "y": {0: "batch"}}
               if args.dynamic_batch else None)
    with torch.no_grad():
        torch.onnx.export(model, x, args.output, opset_version=13,
                          input_names=["x"], output_names=["y"],
                          export_params=True, do_constant_folding=True,
                          dynamic_axes=dynamic)

    m = onnx.load(args.output)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("LSTM") == 1 and ops[-1] == "Gemm", ops
    lstm = next(n for n in m.graph.node if n.op_type == "LSTM")
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in lstm.attribute}
    assert attrs == {"hidden_size": HIDDEN}, attrs  # forward, no layout=1
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    count = sum(p.numel() for p in model.parameters())
    assert sum(int(torch.tensor(d).prod()) for d in inits.values()) == count
    print("wrote %s (%d bytes): ops %s, initializers %s, %d parameters"
          % (args.output, os.path.getsize(args.output), " ".join(ops), inits,
             count))


if __name__ == "__main__":
    main()
