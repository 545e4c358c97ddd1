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
                 [inp("x", [2, 3, 4, 5])],
                 # Every branch is a graph output (pcc --output picks one):
                 # the importer drops what the chosen output does not use.
                 [out("sa", [2, 60]), out("sb", [6, 20]), out("sc", [1, 120]),
                  out("y", [24, 5])])


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
def sequence_first():
    # x [T=5, B=2, 3]: the output [2, 4] sums over time, dimension 0 is T.
    return model([helper.make_node("ReduceSum", ["x", "axes"], ["s"],
                                   keepdims=0),
                  helper.make_node("MatMul", ["s", "W"], ["y"])],
                 [inp("x", [5, 2, 3])], [out("y", [2, 4])],
                 [ints("axes", [0]), param("W", [3, 4])])


@builder
def two_inputs_dim0():
    return model([helper.make_node("Add", ["x", "h"], ["y"])],
                 [inp("x", [2, 3]), inp("h", [1, 3])], [out("y", [2, 3])])


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


# --- Convolution and pooling -------------------------------------------------

def conv_model(x_shape, w_shape, y_shape, bias=False, **attrs):
    ins = ["x", "W"] + (["B"] if bias else [])
    inits = [param("W", w_shape)] + ([param("B", [w_shape[0]])] if bias else [])
    return model([helper.make_node("Conv", ins, ["y"], name="conv", **attrs)],
                 [inp("x", x_shape)], [out("y", y_shape)], inits)


@builder
def conv_pads_strides_bias():
    # 5x5 padded by 1, kernel 3, stride 2 -> 3x3; bias [3] broadcast as [3,1,1].
    return conv_model([1, 2, 5, 5], [3, 2, 3, 3], [1, 3, 3, 3], bias=True,
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])


@builder
def conv_same_upper():
    # 6x6, kernel 3, stride 2: 3 outputs need 1 padding element, at the end.
    return conv_model([1, 1, 6, 6], [2, 1, 3, 3], [1, 2, 3, 3],
                      auto_pad="SAME_UPPER", strides=[2, 2])


@builder
def conv_same_lower():
    return conv_model([1, 1, 6, 6], [2, 1, 3, 3], [1, 2, 3, 3],
                      auto_pad="SAME_LOWER", strides=[2, 2])


@builder
def conv_valid():
    # auto_pad VALID ignores pads.
    return conv_model([1, 1, 6, 6], [2, 1, 3, 3], [1, 2, 4, 4],
                      auto_pad="VALID")


@builder
def conv_group_dilation():
    # 4 channels in 2 groups, dilation 2 (span 5): 7x7 -> 3x3; no kernel_shape
    # attribute (taken from W).
    return conv_model([1, 4, 7, 7], [6, 2, 3, 3], [1, 6, 3, 3],
                      group=2, dilations=[2, 2])


@builder
def conv_1d():
    # [N, C, L] = [2, 3, 10], kernel 3, stride 2, pads 1: L' = 5.
    return conv_model([2, 3, 10], [4, 3, 3], [2, 4, 5], bias=True,
                      kernel_shape=[3], strides=[2], pads=[1, 1])


@builder
def conv_bad_group():
    # 4 channels in 2 groups need W [F, 2, ...], not [F, 4, ...].
    return conv_model([1, 4, 5, 5], [6, 4, 3, 3], [1, 6, 3, 3], group=2)


def pool_model(op, x_shape, y_shape, extra_outputs=(), **attrs):
    return model([helper.make_node(op, ["x"], ["y"] + list(extra_outputs),
                                   name="pool", **attrs)],
                 [inp("x", x_shape)], [out("y", y_shape)])


@builder
def maxpool_ceil():
    # 5x5, kernel 2, stride 2: 2 windows fit, ceil_mode adds a third.
    return pool_model("MaxPool", [1, 1, 5, 5], [1, 1, 3, 3],
                      kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)


@builder
def maxpool_floor():
    return pool_model("MaxPool", [1, 1, 5, 5], [1, 1, 2, 2],
                      kernel_shape=[2, 2], strides=[2, 2])


@builder
def maxpool_ceil_dropped():
    # 4x4 padded at the end by 1, kernel 2, stride 2, ceil_mode: the third
    # window would start in the end padding and is dropped.
    return pool_model("MaxPool", [1, 1, 4, 4], [1, 1, 2, 2],
                      kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1],
                      ceil_mode=1)


@builder
def maxpool_indices():
    # The node names its Indices output; the graph does not use it.
    return pool_model("MaxPool", [1, 1, 4, 4], [1, 1, 2, 2],
                      extra_outputs=["idx"], kernel_shape=[2, 2], strides=[2, 2])


@builder
def avgpool_include_pad():
    return pool_model("AveragePool", [1, 2, 4, 4], [1, 2, 2, 2],
                      kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                      count_include_pad=1)


@builder
def avgpool_exclude_pad():
    return pool_model("AveragePool", [1, 2, 4, 4], [1, 2, 2, 2],
                      kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])


@builder
def avgpool_1d():
    # [N, C, L] = [1, 2, 8], kernel 3, stride 2: 3 windows.
    return pool_model("AveragePool", [1, 2, 8], [1, 2, 3],
                      kernel_shape=[3], strides=[2])


@builder
def global_avgpool():
    return model([helper.make_node("GlobalAveragePool", ["x"], ["y"], name="gap")],
                 [inp("x", [2, 3, 4, 4])], [out("y", [2, 3, 1, 1])])


# --- Normalisation and dropout -------------------------------------------------

def bn_inits():
    return [param("scale", [3], 1.0), param("B", [3]),
            numpy_helper.from_array(np.array([0.5, 1.0, 2.0], np.float32), "mean"),
            numpy_helper.from_array(np.array([1.0, 4.0, 0.25], np.float32), "var")]


@builder
def batchnorm():
    # epsilon 0 keeps 1/sqrt(var) exact: [1, 0.5, 2].
    return model([helper.make_node("BatchNormalization",
                                   ["x", "scale", "B", "mean", "var"], ["y"],
                                   name="bn", epsilon=0.0)],
                 [inp("x", [2, 3, 4, 4])], [out("y", [2, 3, 4, 4])], bn_inits(),
                 opset=15)


@builder
def batchnorm_training():
    return model([helper.make_node("BatchNormalization",
                                   ["x", "scale", "B", "mean", "var"], ["y"],
                                   name="bn", training_mode=1)],
                 [inp("x", [2, 3, 4, 4])], [out("y", [2, 3, 4, 4])], bn_inits(),
                 opset=15)


@builder
def batchnorm_training_stats_used():
    return model([helper.make_node("BatchNormalization",
                                   ["x", "scale", "B", "mean", "var"],
                                   ["y", "rm", "rv"], name="bn", training_mode=1),
                  helper.make_node("Add", ["y", "rm"], ["z"], name="use")],
                 [inp("x", [2, 3, 4, 3])], [out("z", [2, 3, 4, 3])], bn_inits(),
                 opset=15)


@builder
def dropout():
    # Opset 13: ratio and training_mode (false) are inputs.
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             const_node("ratio", np.array(0.5, np.float32)),
             const_node("train", np.array(False)),
             helper.make_node("Dropout", ["r", "ratio", "train"], ["d"],
                              name="drop"),
             helper.make_node("Neg", ["d"], ["y"], name="neg")]
    return model(nodes, [inp("x", [2, 3])], [out("y", [2, 3])])


@builder
def dropout_mask():
    # The node names its mask output; the graph does not use it.
    return model([helper.make_node("Dropout", ["x"], ["y", "mask"], name="drop")],
                 [inp("x", [2, 3])], [out("y", [2, 3])])


@builder
def dropout_training():
    nodes = [const_node("train", np.array(True)),
             helper.make_node("Dropout", ["x", "", "train"], ["y"], name="drop")]
    return model(nodes, [inp("x", [2, 3])], [out("y", [2, 3])])


# --- Data movement --------------------------------------------------------------

@builder
def slice_negative_steps():
    # Axis 0 backwards from the last row to before the first (an end far
    # below -dim clamps to "before index 0"); axis 1 every other column.
    return model([helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"],
                                   name="slice")],
                 [inp("x", [4, 6])], [out("y", [4, 3])],
                 [ints("st", [-1, 0]), ints("en", [-1000, 6]), ints("ax", [0, 1]),
                  ints("sp", [-1, 2])])


@builder
def slice_clamp():
    # Axis -1 only: start -100 clamps to 0, end INT64_MAX to 6; step 4.
    # Axis 0 is untouched.
    return model([helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"],
                                   name="slice")],
                 [inp("x", [4, 6])], [out("y", [4, 2])],
                 [ints("st", [-100]), ints("en", [2**63 - 1]), ints("ax", [-1]),
                  ints("sp", [4])])


@builder
def slice_reverse_middle():
    # starts 4, ends 1, step -2 on axis 1: columns 4, 2.
    return model([helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"],
                                   name="slice")],
                 [inp("x", [4, 6])], [out("y", [4, 2])],
                 [ints("st", [4]), ints("en", [1]), ints("ax", [1]),
                  ints("sp", [-2])])


@builder
def slice_opset9():
    # Opset < 10: starts, ends and axes are attributes; no steps.
    return model([helper.make_node("Slice", ["x"], ["y"], name="slice",
                                   starts=[1], ends=[3], axes=[1])],
                 [inp("x", [4, 6])], [out("y", [4, 2])], opset=9)


@builder
def slice_empty():
    return model([helper.make_node("Slice", ["x", "st", "en"], ["y"],
                                   name="slice")],
                 [inp("x", [4, 6])], [out("y", [0, 6])],
                 [ints("st", [3]), ints("en", [3])])


@builder
def split_sizes():
    # [3, 6] split along axis 1 into 2 and 4 columns (opset 13: an input).
    return model([helper.make_node("Split", ["x", "sizes"], ["a", "b"],
                                   name="split", axis=1)],
                 [inp("x", [3, 6])], [out("a", [3, 2]), out("b", [3, 4])],
                 [ints("sizes", [2, 4])])


@builder
def split_equal():
    # No sizes: three equal parts of axis 0; only the middle one is an output.
    return model([helper.make_node("Split", ["x"], ["p0", "p1", "p2"],
                                   name="split"),
                  helper.make_node("Relu", ["p1"], ["y"], name="relu")],
                 [inp("x", [6, 2])], [out("y", [2, 2])])


@builder
def pad_constant():
    return model([helper.make_node("Pad", ["x", "pads", "value"], ["y"],
                                   name="pad")],
                 [inp("x", [3, 4])], [out("y", [4, 7])],
                 [ints("pads", [1, 0, 0, 3]),
                  numpy_helper.from_array(np.array(1.5, np.float32), "value")])


@builder
def pad_negative():
    # A negative pad crops: one column off the start, one row added at the end.
    return model([helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")],
                 [inp("x", [3, 4])], [out("y", [4, 3])],
                 [ints("pads", [0, -1, 1, 0])])


@builder
def pad_edge():
    return model([helper.make_node("Pad", ["x", "pads"], ["y"], name="pad",
                                   mode="edge")],
                 [inp("x", [3, 4])], [out("y", [3, 6])],
                 [ints("pads", [0, 1, 0, 1])])


@builder
def reduce_sum_keepdims():
    return model([helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="rs")],
                 [inp("x", [2, 3, 4])], [out("y", [2, 1, 4])], [ints("axes", [1])])


@builder
def reduce_sum_nokeep():
    return model([helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="rs",
                                   keepdims=0)],
                 [inp("x", [2, 3, 4])], [out("y", [2, 4])], [ints("axes", [-2])])


@builder
def reduce_mean():
    # Opset 13 ReduceMean takes axes as an attribute; [-1, 0] normalise and
    # sort to [0, 2]; the mean over 2*4 elements scales by 1/8.
    return model([helper.make_node("ReduceMean", ["x"], ["y"], name="rm",
                                   axes=[-1, 0], keepdims=0)],
                 [inp("x", [2, 3, 4])], [out("y", [3])])


@builder
def reduce_mean_all():
    return model([helper.make_node("ReduceMean", ["x"], ["y"], name="rm")],
                 [inp("x", [2, 3, 4])], [out("y", [1, 1, 1])])


@builder
def gather_scalar():
    # A rank-0 index removes the axis: [4, 5] -> [5].
    return model([const_node("i", np.array(2, np.int64)),
                  helper.make_node("Gather", ["x", "i"], ["y"], name="gather")],
                 [inp("x", [4, 5])], [out("y", [5])])


@builder
def gather_2d():
    # [2, 2] indices on axis 1 (with -1 = 4): [4, 5] -> [4, 2, 2].
    return model([helper.make_node("Gather", ["x", "idx"], ["y"], name="gather",
                                   axis=1)],
                 [inp("x", [4, 5])], [out("y", [4, 2, 2])],
                 [ints("idx", [[0, 3], [-1, 1]])])


@builder
def gather_out_of_range():
    return model([helper.make_node("Gather", ["x", "idx"], ["y"], name="gather",
                                   axis=1)],
                 [inp("x", [4, 5])], [out("y", [4, 1])], [ints("idx", [5])])


@builder
def expand():
    # [3, 1] expanded by shape [2, 1, 4] -> [2, 3, 4].
    return model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")],
                 [inp("x", [3, 1])], [out("y", [2, 3, 4])],
                 [ints("shape", [2, 1, 4])])


@builder
def expand_noop():
    # Shape [1, 1] broadcasts to the input's own shape: no op.
    return model([helper.make_node("Expand", ["x", "shape"], ["e"], name="expand"),
                  helper.make_node("Relu", ["e"], ["y"], name="relu")],
                 [inp("x", [3, 2])], [out("y", [3, 2])], [ints("shape", [1, 1])])


@builder
def squeeze_unsqueeze():
    # Graph tensors (opset 13, axes as inputs): squeeze axis 1 of [2,1,3,1],
    # squeeze all size-1 axes, unsqueeze at 0 and -1.
    nodes = [helper.make_node("Squeeze", ["x", "ax1"], ["s1"], name="sq1"),
             helper.make_node("Squeeze", ["s1"], ["s2"], name="sq_all"),
             helper.make_node("Unsqueeze", ["s2", "ax0m1"], ["y"], name="unsq")]
    return model(nodes, [inp("x", [2, 1, 3, 1])], [out("y", [1, 2, 3, 1])],
                 [ints("ax1", [1]), ints("ax0m1", [0, -1])])


@builder
def squeeze_bad():
    return model([helper.make_node("Squeeze", ["x", "ax"], ["y"], name="sq")],
                 [inp("x", [2, 3])], [out("y", [2])], [ints("ax", [1])])


@builder
def concat_tensors():
    return model([helper.make_node("Concat", ["x", "z", "x"], ["y"], name="cat",
                                   axis=-1)],
                 [inp("x", [2, 3]), inp("z", [2, 2])], [out("y", [2, 8])])



def concat_shape_of(a):
    # A Reshape's shape as Concat(a, 3) of compile-time constants.
    return model([const_node("a", a), const_node("b", np.array(3, np.int64)),
                  helper.make_node("Concat", ["a", "b"], ["s"], name="cat", axis=0),
                  helper.make_node("Reshape", ["x", "s"], ["y"])],
                 [inp("x", [2, 3])], [out("y", [2, 3])])


@builder
def concat_scalar():
    # Scalars do not concatenate (fuzzing: a folded Concat read a dimension
    # the scalar does not have).
    return concat_shape_of(np.array(2, np.int64))


@builder
def concat_rank_mismatch():
    return concat_shape_of(np.array([2], np.int64))

# --- Elementwise ops for CNNs and RNNs -----------------------------------------

@builder
def unary_nn():
    return unary_chain(["Abs", "Sqrt", "Softplus"])


@builder
def elu():
    return model([helper.make_node("Elu", ["x"], ["a"], name="elu_default"),
                  helper.make_node("Elu", ["a"], ["y"], name="elu_alpha",
                                   alpha=0.5)],
                 [inp("x", [2, 3])], [out("y", [2, 3])])


@builder
def clip():
    # Opset 13: min and max are (optional) inputs; a float initializer read
    # only as a bound is a constant, not a parameter.
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["a"], name="clip_both"),
             helper.make_node("Clip", ["a", "lo"], ["b"], name="clip_min"),
             helper.make_node("Clip", ["b", "", "hi"], ["y"], name="clip_max")]
    return model(nodes, [inp("x", [2, 3])], [out("y", [2, 3])],
                 [numpy_helper.from_array(np.array(-1.0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(2.0, np.float32), "hi")])


@builder
def clip6():
    # Opset 6: bounds are attributes.
    return model([helper.make_node("Clip", ["x"], ["y"], name="clip", min=0.0,
                                   max=6.0)],
                 [inp("x", [2, 3])], [out("y", [2, 3])], opset=6)


@builder
def pow_scalar():
    # Exponents: a rank-0 initializer (a constant, not a parameter) and a
    # Constant tensor whose entries are all equal.
    nodes = [helper.make_node("Pow", ["x", "e"], ["a"], name="pow_init"),
             const_node("e2", np.array([0.5, 0.5, 0.5], np.float32)),
             helper.make_node("Pow", ["a", "e2"], ["y"], name="pow_const")]
    return model(nodes, [inp("x", [2, 3])], [out("y", [2, 3])],
                 [numpy_helper.from_array(np.array(3.0, np.float32), "e")])


@builder
def pow_varying():
    return model([const_node("e", np.array([1.0, 2.0, 3.0], np.float32)),
                  helper.make_node("Pow", ["x", "e"], ["y"], name="pow")],
                 [inp("x", [2, 3])], [out("y", [2, 3])])


@builder
def pow_tensor_exponent():
    # The exponent is a model input: not a compile-time constant.
    return model([helper.make_node("Pow", ["x", "e"], ["y"], name="pow")],
                 [inp("x", [2, 3]), inp("e", [2, 3])], [out("y", [2, 3])])


@builder
def small_cnn():
    # Conv(pad 1) -> Relu -> MaxPool 2x2 -> Conv(group 2) -> Flatten -> Gemm:
    # [2,1,6,6] -> [2,2,6,6] -> [2,2,3,3] -> [2,4,2,2] -> [2,16] -> [2,3].
    nodes = [helper.make_node("Conv", ["x", "W1", "b1"], ["c1"], name="conv1",
                              kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                              kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p1", "W2"], ["c2"], name="conv2",
                              kernel_shape=[2, 2], group=2),
             helper.make_node("Flatten", ["c2"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "W3", "b3"], ["y"], name="fc",
                              transB=1)]
    return model(nodes, [inp("x", [2, 1, 6, 6])], [out("y", [2, 3])],
                 [param("W1", [2, 1, 3, 3]), param("b1", [2]),
                  param("W2", [4, 1, 2, 2]), param("W3", [3, 16]),
                  param("b3", [3])])


# --- Recurrent networks -------------------------------------------------------
#
# Small shapes: 3 steps, batch 1 or 2, input 4, hidden 2. Weights are ramps.

def recurrent_model(op, gates, x_shape, outputs, hidden=2, dirs=1, bias=True,
                    extra_inputs=(), extra_inits=(), nodes_before=(), opset=14,
                    graph_inputs=(), **attrs):
    in_size = x_shape[2]
    ins = ["X", "W", "R"] + (["B"] if bias else [""]) + list(extra_inputs)
    while ins and ins[-1] == "":
        ins.pop()
    inits = [param("W", [dirs, gates * hidden, in_size]),
             param("R", [dirs, gates * hidden, hidden])]
    if bias:
        inits.append(param("B", [dirs, 2 * gates * hidden]))
    inits += list(extra_inits)
    # `outputs` lists Y, Y_h (, Y_c) in order; None leaves that output unnamed.
    names = [o.name if o else "" for o in outputs]
    node = helper.make_node(op, ins, names, name=op.lower(), hidden_size=hidden,
                            **attrs)
    return model(list(nodes_before) + [node],
                 [inp("X", x_shape)] + list(graph_inputs),
                 [o for o in outputs if o], inits, opset=opset)


@builder
def rnn():
    # X [seq 3, batch 2, input 4]; outputs Y [3, 1, 2, 2] and Y_h [1, 2, 2].
    return recurrent_model("RNN", 1, [3, 2, 4],
                           [out("Y", [3, 1, 2, 2]), out("Y_h", [1, 2, 2])])


@builder
def rnn_initial_h():
    # A non-zero initial state (a model input) gives step 0 a recurrent GEMM;
    # Relu instead of the default Tanh.
    return recurrent_model("RNN", 1, [3, 2, 4], [None, out("Y_h", [1, 2, 2])],
                           extra_inputs=["", "h0"],
                           graph_inputs=[inp("h0", [1, 2, 2])],
                           activations=["Relu"])


@builder
def rnn_zero_h0():
    # initial_h from an all-zero Constant is no state at all.
    return recurrent_model("RNN", 1, [3, 2, 4], [None, out("Y_h", [1, 2, 2])],
                           extra_inputs=["", "h0"],
                           nodes_before=[const_node("h0", np.zeros([1, 2, 2],
                                                                   np.float32))])


@builder
def rnn_huge_initial_h():
    # A zero initial_h expanded to 2^25 elements: its shape is refused before
    # its data is read (fuzzing found the import spending seconds on it).
    return recurrent_model("RNN", 1, [3, 2, 4], [None, out("Y_h", [1, 2, 2])],
                           extra_inputs=["", "h0"],
                           nodes_before=[const_node("z", np.zeros([1], np.float32)),
                                         const_node("hs", np.array([1, 4194304, 8],
                                                                   np.int64)),
                                         helper.make_node("Expand", ["z", "hs"],
                                                          ["h0"])])


@builder
def lstm_wrong_zero_c0():
    # An all-zero initial_c of the wrong shape is refused, not ignored.
    return recurrent_model("LSTM", 4, [3, 2, 4], [None, out("Y_h", [1, 2, 2])],
                           extra_inputs=["", "", "c0"],
                           nodes_before=[const_node("c0", np.zeros([1, 2, 3],
                                                                   np.float32))])


@builder
def rnn_layout1():
    # layout 1: X [batch 2, seq 3, input 4]; the rows of step t are t, t+3.
    return recurrent_model("RNN", 1, [2, 3, 4],
                           [out("Y", [2, 3, 1, 2]), out("Y_h", [2, 1, 2])],
                           layout=1)


@builder
def rnn_bidirectional():
    return recurrent_model("RNN", 1, [3, 1, 4],
                           [out("Y", [3, 2, 1, 2]), out("Y_h", [2, 1, 2])],
                           dirs=2, direction="bidirectional")


@builder
def gru():
    # linear_before_reset 0 (the default): the candidate is (r * h) Rh^T.
    return recurrent_model("GRU", 3, [3, 1, 4],
                           [out("Y", [3, 1, 1, 2]), out("Y_h", [1, 1, 2])])


@builder
def gru_lbr():
    # linear_before_reset 1 (PyTorch's form): r * (h Rh^T + Rbh).
    return recurrent_model("GRU", 3, [3, 1, 4],
                           [out("Y", [3, 1, 1, 2]), out("Y_h", [1, 1, 2])],
                           linear_before_reset=1)


@builder
def lstm_peephole():
    # Gates i, o, f, c; peepholes P [1, 3*hidden] = (p_i, p_o, p_f).
    return recurrent_model("LSTM", 4, [3, 1, 4],
                           [out("Y", [3, 1, 1, 2]), out("Y_h", [1, 1, 2]),
                            out("Y_c", [1, 1, 2])],
                           extra_inputs=["", "", "", "P"],
                           extra_inits=[param("P", [1, 6])])


@builder
def lstm_input_forget():
    return recurrent_model("LSTM", 4, [3, 1, 4], [None, out("Y_h", [1, 1, 2])],
                           input_forget=1)


# --- Real models: aliases, shape arithmetic, new operators -------------------

@builder
def identity_aliases():
    # PyTorch's dedup: "b2" is Identity("b1") (equal values); W is read by
    # two Gemms directly (real sharing).
    return model([helper.make_node("Identity", ["b1"], ["b2"]),
                  helper.make_node("Gemm", ["x", "W", "b1"], ["h"], transB=1),
                  helper.make_node("Tanh", ["h"], ["t"]),
                  helper.make_node("Gemm", ["t", "W", "b2"], ["y"], transB=1)],
                 [inp("x", [2, 3])], [out("y", [2, 3])],
                 [param("W", [3, 3]), param("b1", [3], 1.0)])


@builder
def shape_arithmetic():
    # torch.chunk's exported form: ends = Shape(x)[1] / 2 * 1, a Slice of the
    # graph tensor with those ends; and Equal/Where/Range/ReduceProd/Cast on
    # constants.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "one"], ["d1"], axis=0),
        helper.make_node("Div", ["d1", "two"], ["half"]),
        helper.make_node("Mul", ["half", "one"], ["end"]),
        helper.make_node("Unsqueeze", ["end", "zero"], ["ends"]),
        helper.make_node("Slice", ["x", "zeros1", "ends", "ones1"], ["first"]),
        helper.make_node("Range", ["zero", "d1", "one"], ["r"]),
        helper.make_node("Equal", ["r", "two"], ["is2"]),
        helper.make_node("Cast", ["is2"], ["is2f"], to=FLOAT),
        helper.make_node("ReduceProd", ["s"], ["numel"], keepdims=0),
        helper.make_node("Cast", ["numel"], ["numelf"], to=FLOAT),
        helper.make_node("Div", ["is2f", "numelf"], ["w"]),
        helper.make_node("Slice", ["w", "zeros1", "ends", "zeros1"], ["wh"]),
        helper.make_node("Mul", ["first", "wh"], ["y"]),
    ]
    return model(nodes, [inp("x", [2, 6])], [out("y", [2, 3])],
                 [ints("zero", 0), ints("one", 1), ints("two", 2),
                  ints("zeros1", [0]), ints("ones1", [1])])


@builder
def batched_matmul():
    # [2, 1, 3, 4] x [5, 4, 2] broadcasts to batch [2, 5].
    return model([helper.make_node("MatMul", ["a", "b"], ["y"])],
                 [inp("a", [2, 1, 3, 4]), inp("b", [5, 4, 2])],
                 [out("y", [2, 5, 3, 2])])


@builder
def layer_norm():
    return model([helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"],
                                   axis=-1, epsilon=1e-3)],
                 [inp("x", [2, 3, 4])], [out("y", [2, 3, 4])],
                 [param("g", [4], 1.0), param("b", [4])], opset=17)


@builder
def where_resize_max():
    cond = numpy_helper.from_array(np.array([True, False, True]), "c")
    return model([helper.make_node("Where", ["c", "x", "z"], ["w"]),
                  helper.make_node("Max", ["w", "x", "z"], ["m"]),
                  helper.make_node("Mean", ["m", "x"], ["a"]),
                  helper.make_node("Resize", ["a", "", "scales"], ["y"],
                                   mode="nearest",
                                   coordinate_transformation_mode="asymmetric",
                                   nearest_mode="floor")],
                 [inp("x", [1, 1, 2, 3]), inp("z", [1, 1, 2, 3])],
                 [out("y", [1, 1, 4, 3])],
                 [cond, numpy_helper.from_array(
                     np.array([1, 1, 2, 1], np.float32), "scales")])


@builder
def huge_constant():
    # ConstantOfShape of 10^10 elements: refused, not evaluated.
    return model([helper.make_node("ConstantOfShape", ["s"], ["c"], name="big"),
                  helper.make_node("ReduceSum", ["c"], ["r"], keepdims=0),
                  helper.make_node("Mul", ["x", "r"], ["y"])],
                 [inp("x", [2])], [out("y", [2])], [ints("s", [100000, 100000])])


@builder
def large_expand():
    # Expand of a constant to 2^25 elements: past the host evaluator's limit,
    # so it keeps its graph form (a broadcast) instead of being folded.
    return model([const_node("c", np.full([1], 0.5, np.float32)),
                  helper.make_node("Expand", ["c", "s"], ["e"], name="wide"),
                  helper.make_node("ReduceSum", ["e"], ["r"], keepdims=0),
                  helper.make_node("Mul", ["x", "r"], ["y"])],
                 [inp("x", [2])], [out("y", [2])], [ints("s", [2, 4096, 4096])])


@builder
def cast_run_time():
    return model([helper.make_node("Cast", ["x"], ["y"], to=INT64)],
                 [inp("x", [2, 3])], [out("y", [2, 3], INT64)])


@builder
def cast_unsupported():
    return model([helper.make_node("Shape", ["x"], ["s"]),
                  helper.make_node("Cast", ["s"], ["f"], to=TensorProto.DOUBLE),
                  helper.make_node("Cast", ["f"], ["g"], to=FLOAT),
                  helper.make_node("Mul", ["x", "g"], ["y"])],
                 [inp("x", [2])], [out("y", [2])])


# --- Unsupported --------------------------------------------------------------

@builder
def unsupported_hardmax():
    return unary_chain(["Relu", "Hardmax"])


@builder
def cos_at_run_time():
    # Cos folds on constants but has no graph form.
    return unary_chain(["Relu", "Cos"])


@builder
def unsupported_conv_transpose():
    # Conv is supported; its transpose is not.
    return model([helper.make_node("ConvTranspose", ["x", "W"], ["y"],
                                   name="deconv1", kernel_shape=[3, 3])],
                 [inp("x", [1, 1, 3, 3])], [out("y", [1, 1, 5, 5])],
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
