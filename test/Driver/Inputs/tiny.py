#!/usr/bin/python3
"""Write the tiny model that the driver lit tests compile.

    tiny.py OUT.onnx          x[4,3] -> Gemm(w[5,3], b[5], transB=1) -> Relu
                              -> Gemm(w2[2,5], b2[2], transB=1) -> y[4,2]
    tiny.py --cos OUT.onnx    the same with a Hardmax (unsupported) after the Relu

opset 13, built with onnx.helper (Debian's /usr/bin/python3, python3-onnx).
Initializer values are fixed ramps, so the output is deterministic.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def ramp(name, shape, start, step):
    n = int(np.prod(shape))
    data = (start + step * np.arange(n, dtype=np.float32)).astype(np.float32)
    return numpy_helper.from_array(data.reshape(shape), name)


def main(argv):
    args = argv[1:]
    cos = bool(args) and args[0] == "--cos"
    if cos:
        args = args[1:]
    if len(args) != 1:
        sys.stderr.write("usage: tiny.py [--cos] OUT.onnx\n")
        return 2
    inits = [ramp("w", [5, 3], -0.7, 0.1), ramp("b", [5], 0.0, 0.05),
             ramp("w2", [2, 5], 0.5, -0.1), ramp("b2", [2], 0.1, 0.1)]
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu")]
    hidden = "r"
    if cos:
        nodes.append(helper.make_node("Hardmax", ["r"], ["c"], name="cos"))
        hidden = "c"
    nodes.append(helper.make_node("Gemm", [hidden, "w2", "b2"], ["y"], name="fc2",
                                  transB=1))
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 2])], inits)
    model = helper.make_model(graph, producer_name="pcc-lit",
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, args[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
