#!/usr/bin/python3
"""Build the small ONNX models that the importer lit tests feed to pcc.

    make_onnx.py NAME OUT.onnx

NAME picks one of the builders below (run without arguments for the list).
Models are built with onnx.helper (python3-onnx 1.12, Debian's
/usr/bin/python3) and, unless a builder says otherwise, pass
onnx.checker.check_model.  Initializer values are small deterministic ramps
so that the `pc.init` attributes stay readable.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64

BUILDERS = {}


def builder(fn):
    BUILDERS[fn.__name__] = fn
    return fn


def inp(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def out(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def param(name, shape, start=0.0):
    n = int(np.prod(shape)) if shape else 1
    data = (start + np.arange(n, dtype=np.float32) / 10).astype(np.float32)
    return numpy_helper.from_array(data.reshape(shape), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def const_node(out_name, array, name=None):
    return helper.make_node("Constant", [], [out_name], name=name or out_name,
                            value=numpy_helper.from_array(array, out_name + "_v"))


def model(nodes, inputs, outputs, inits=(), opset=13, check=True):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, producer_name="pcc-lit",
                          opset_imports=[helper.make_opsetid("", opset)])
    if check:
        onnx.checker.check_model(m)
    return m


def unary_chain(ops, shape=(2, 3)):
    nodes, prev = [], "x"
    for i, op in enumerate(ops):
        nodes.append(helper.make_node(op, [prev], ["t%d" % i],
                                      name="%s_%d" % (op.lower(), i)))
        prev = "t%d" % i
    nodes[-1].output[0] = "y"
    return model(nodes, [inp("x", list(shape))], [out("y", list(shape))])


# --- Gemm / MatMul -----------------------------------------------------------

@builder
def gemm_bias():
    # torch.nn.Linear: y = x W^T + b, W [5,3].
    return model([helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="fc",
                                   alpha=1.0, beta=1.0, transB=1)],
                 [inp("x", [4, 3])], [out("y", [4, 5])],
                 [param("W", [5, 3]), param("b", [5])])


@builder
def gemm_attrs():
    # A [3,4] transposed -> M=4, K=3; B [5,3] transposed -> N=5; C [4,1].
    return model([helper.make_node("Gemm", ["a", "B", "C"], ["y"], name="g",
                                   alpha=0.5, beta=2.0, transA=1, transB=1)],
                 [inp("a", [3, 4])], [out("y", [4, 5])],
                 [param("B", [5, 3]), param("C", [4, 1])])


@builder
def gemm_no_c():
    return model([helper.make_node("Gemm", ["x", "W"], ["y"], name="g")],
                 [inp("x", [4, 3])], [out("y", [4, 5])], [param("W", [3, 5])])


@builder
def gemm_beta0():
    # beta = 0 drops C; C then feeds nothing and is no parameter.
    return model([helper.make_node("Gemm", ["x", "W", "C"], ["y"], name="g",
                                   beta=0.0)],
                 [inp("x", [4, 3])], [out("y", [4, 5])],
                 [param("W", [3, 5]), param("C", [5])])


@builder
def gemm_inner_mismatch():
    return model([helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="fc",
                                   transB=1)],
                 [inp("x", [4, 3])], [out("y", [4, 5])],
                 [param("W", [5, 4]), param("b", [5])])


@builder
def matmul_2d():
    return model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
                 [inp("x", [4, 3])], [out("y", [4, 5])], [param("W", [3, 5])])


@builder
def matmul_3d():
    return model([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
                 [inp("x", [2, 4, 3])], [out("y", [2, 4, 5])], [param("W", [3, 5])])


# --- Elementwise --------------------------------------------------------------

@builder
def binary_broadcast():
    # x [4,5]: + b [5], - rank-0 Constant, * m [4,1], / value_float Constant.
    nodes = [
        helper.make_node("Add", ["x", "b"], ["s"], name="add"),
        const_node("k", np.array(3.0, dtype=np.float32), name="k"),
        helper.make_node("Sub", ["s", "k"], ["d"], name="sub"),
        helper.make_node("Mul", ["d", "m"], ["p"], name="mul"),
        helper.make_node("Constant", [], ["two"], name="two", value_float=2.0),
        helper.make_node("Div", ["two", "p"], ["y"], name="div"),
    ]
    return model(nodes, [inp("x", [4, 5])], [out("y", [4, 5])],
                 [param("b", [5]), param("m", [4, 1])])


@builder
def binary_rank_expand():
    # Broadcasting that grows the rank on both sides: [3,1,5] * [4,1].
    return model([helper.make_node("Mul", ["x", "z"], ["y"], name="mul")],
                 [inp("x", [3, 1, 5]), inp("z", [4, 1])], [out("y", [3, 4, 5])])


@builder
def add_not_broadcastable():
    return model([helper.make_node("Add", ["x", "b"], ["y"], name="add")],
                 [inp("x", [4, 5])], [out("y", [4, 5])], [param("b", [3])])


@builder
def unary_ops():
    return unary_chain(["Neg", "Relu", "Sigmoid", "Tanh", "Exp", "Log"])


@builder
def leaky_relu():
    return model([helper.make_node("LeakyRelu", ["x"], ["a"], name="lr_default"),
                  helper.make_node("LeakyRelu", ["a"], ["y"], name="lr_alpha",
                                   alpha=0.2)],
                 [inp("x", [2, 3])], [out("y", [2, 3])])


# --- Softmax ------------------------------------------------------------------

def softmax_model(opset, sm_attrs, lsm_attrs):
    return model([helper.make_node("Softmax", ["x"], ["s"], name="sm", **sm_attrs),
                  helper.make_node("LogSoftmax", ["s"], ["y"], name="lsm",
                                   **lsm_attrs)],
                 [inp("x", [2, 3, 4])], [out("y", [2, 3, 4])], opset=opset)


@builder
def softmax13():
    return softmax_model(13, {}, {"axis": 1})


@builder
def softmax11():
    return softmax_model(11, {}, {"axis": -1})


@builder
def softmax13_bad_axis():
    return softmax_model(13, {"axis": 3}, {})


# --- Shape manipulation -------------------------------------------------------

@builder
def identity():
    return model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                  helper.make_node("Identity", ["r"], ["i"], name="id"),
                  helper.make_node("Neg", ["i"], ["y"], name="neg")],
                 [inp("x", [2, 3])], [out("y", [2, 3])])


@builder
def flatten():
    return model([helper.make_node("Flatten", ["x"], ["a"], name="f1"),
                  helper.make_node("Flatten", ["x"], ["b"], name="f2", axis=2),
                  helper.make_node("Flatten", ["x"], ["c"], name="f0", axis=0),
                  helper.make_node("Flatten", ["x"], ["d"], name="fm1", axis=-1),
                  helper.make_node("Sigmoid", ["a"], ["sa"], name="sa"),
                  helper.make_node("Sigmoid", ["b"], ["sb"], name="sb"),
                  helper.make_node("Sigmoid", ["c"], ["sc"], name="sc"),
                  helper.make_node("Sigmoid", ["d"], ["y"], name="sd")],
                 [inp("x", [2, 3, 4, 5])], [out("y", [24, 5])])


@builder
def reshape_const():
    return model([const_node("shape", np.array([0, -1], dtype=np.int64)),
                  helper.make_node("Reshape", ["x", "shape"], ["r"], name="rs"),
                  helper.make_node("Reshape", ["r", "shape2"], ["y"], name="rs2")],
                 [inp("x", [2, 3, 4])], [out("y", [1, 12, 2])],
                 [ints("shape2", [-1, 0, 2])])


@builder
def reshape_nonconst():
    # The shape comes from a graph tensor (a model input), not a constant.
    return model([helper.make_node("Reshape", ["x", "s"], ["y"], name="rs")],
                 [inp("x", [2, 3]), inp("s", [2])], [out("y", [3, 2])])


@builder
def reshape_bad_count():
    return model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="rs")],
                 [inp("x", [2, 3])], [out("y", [4, 2])], [ints("shape", [4, -1])])


@builder
def transpose():
    return model([helper.make_node("Transpose", ["x"], ["t"], name="tdefault"),
                  helper.make_node("Transpose", ["t"], ["y"], name="tperm",
                                   perm=[1, 0, 2])],
                 [inp("x", [2, 3, 4])], [out("y", [3, 4, 2])])


@builder
def constants():
    # Constant `value` ([5] and a rank-0 tensor) and `value_float`.
    return model([const_node("c", np.arange(5, dtype=np.float32)),
                  helper.make_node("Add", ["x", "c"], ["a"], name="add"),
                  helper.make_node("Constant", [], ["h"], name="half",
                                   value_float=0.5),
                  helper.make_node("Mul", ["a", "h"], ["y"], name="mul")],
                 [inp("x", [2, 5])], [out("y", [2, 5])])


@builder
def torch_reshape_chain():
    # What torch.onnx exports for x.view(x.size(0), -1) (opset 13).
    nodes = [
        helper.make_node("Shape", ["x"], ["shp"], name="Shape_0"),
        const_node("idx", np.array(0, dtype=np.int64), name="Constant_1"),
        helper.make_node("Gather", ["shp", "idx"], ["n"], name="Gather_2", axis=0),
        const_node("ax", np.array([0], dtype=np.int64), name="Constant_3"),
        helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="Unsqueeze_4"),
        const_node("m1", np.array([-1], dtype=np.int64), name="Constant_5"),
        helper.make_node("Concat", ["n1", "m1"], ["target"], name="Concat_6",
                         axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"], name="Reshape_7"),
    ]
    return model(nodes, [inp("x", ["N", 3, 4, 5])], [out("y", ["N", 60])])


# --- Inputs, parameters, outputs ----------------------------------------------

@builder
def symbolic_batch():
    return model([helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="fc",
                                   transB=1)],
                 [inp("x", ["batch", 3])], [out("y", ["batch", 2])],
                 [param("W", [2, 3]), param("b", [2])])


@builder
def symbolic_inner():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [inp("x", [4, "features"])], [out("y", [4, "features"])])


@builder
def param_order():
    # Initializers listed in an order different from their use; one unused.
    nodes = [
        helper.make_node("MatMul", ["x", "W1"], ["h"], name="mm1"),
        helper.make_node("Add", ["h", "b1"], ["ha"], name="add1"),
        helper.make_node("Tanh", ["ha"], ["t"], name="tanh"),
        helper.make_node("MatMul", ["t", "W2"], ["y"], name="mm2"),
    ]
    return model(nodes, [inp("x", [2, 3])], [out("y", [2, 2])],
                 [param("W2", [4, 2]), param("unused", [7]),
                  param("W1", [3, 4]), param("b1", [4])])


@builder
def two_outputs():
    return model([helper.make_node("Relu", ["x"], ["a"], name="relu"),
                  helper.make_node("Neg", ["x"], ["b"], name="neg")],
                 [inp("x", [2, 3])], [out("a", [2, 3]), out("b", [2, 3])])


@builder
def int64_input():
    return model([helper.make_node("Identity", ["x"], ["y"], name="id")],
                 [inp("x", [2, 3], INT64)], [out("y", [2, 3], INT64)])


# --- Unsupported --------------------------------------------------------------

@builder
def unsupported_cos():
    return unary_chain(["Relu", "Cos"])


@builder
def unsupported_conv():
    return model([helper.make_node("Conv", ["x", "W"], ["y"], name="conv1",
                                   kernel_shape=[3, 3])],
                 [inp("x", [1, 1, 5, 5])], [out("y", [1, 1, 3, 3])],
                 [param("W", [1, 1, 3, 3])])


@builder
def checker_fails():
    # Relu takes one input; the checker rejects two.
    return model([helper.make_node("Relu", ["x", "x"], ["y"], name="relu")],
                 [inp("x", [2, 3])], [out("y", [2, 3])], check=False)


def main(argv):
    if len(argv) != 3 or argv[1] not in BUILDERS:
        sys.stderr.write("usage: make_onnx.py NAME OUT.onnx\nnames: %s\n"
                         % ", ".join(sorted(BUILDERS)))
        return 2
    onnx.save(BUILDERS[argv[1]](), argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
