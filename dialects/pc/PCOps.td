//===- PCOps.td - pc dialect operations --------------------*- tablegen -*-===//
#ifndef PC_OPS_TD
#define PC_OPS_TD

include "pc/PCDialect.td"
include "pc/PCInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/EnumAttr.td"

def PC_Tensor : StaticShapeTensorOf<[F32]>;
def PC_Scalar : 0DTensorOf<[F32]>;
// The same, buildable, so that an assembly format need not spell it.
def PC_F32Scalar : 0DTensorOf<[F32]> {
  let builderCall = "::mlir::RankedTensorType::get({}, $_builder.getF32Type())";
}

//===----------------------------------------------------------------------===//
// Graph ops: each a vertex of the computation graph with local derivatives.
//===----------------------------------------------------------------------===//

class PC_GraphOp<string mnemonic, list<Trait> traits = []>
    : PC_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<LocalDerivativeOpInterface>])>;

class PC_BroadcastBinaryOp<string mnemonic, string desc,
                           list<Trait> traits = []>
    : PC_GraphOp<mnemonic, traits> {
  let summary = desc # " with NumPy broadcasting";
  let description = [{
    Elementwise }] # desc # [{ of two f32 tensors, broadcast as ONNX and
    NumPy define it (shapes aligned on the right, size-1 dimensions
    stretched). The result type is the broadcast shape.
  }];
  let arguments = (ins PC_Tensor:$lhs, PC_Tensor:$rhs);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_AddOp : PC_BroadcastBinaryOp<"add", "sum", [PC_LayerTail]> {
  // add(acc, slice_grad(g)) -> slice_grad(g) into acc
  let hasCanonicalizer = 1;
  // x + 0 -> x
  let hasFolder = 1;
}
def PC_SubOp : PC_BroadcastBinaryOp<"sub", "difference", [PC_LayerTail]>;
def PC_MulOp : PC_BroadcastBinaryOp<"mul", "product", [PC_LayerTail]>;
def PC_DivOp : PC_BroadcastBinaryOp<"div", "quotient", [PC_LayerTail]>;

class PC_UnaryOp<string mnemonic, string desc>
    : PC_GraphOp<mnemonic, [SameOperandsAndResultType, PC_LayerTail]> {
  let summary = desc;
  let description = "Elementwise " # desc # " of an f32 tensor.";
  let arguments = (ins PC_Tensor:$input);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def PC_NegOp : PC_UnaryOp<"neg", "negation">;
def PC_ReluOp : PC_UnaryOp<"relu", "rectified linear unit max(x, 0)">;
def PC_SigmoidOp : PC_UnaryOp<"sigmoid", "logistic sigmoid 1/(1+exp(-x))">;
def PC_TanhOp : PC_UnaryOp<"tanh", "hyperbolic tangent">;
def PC_ExpOp : PC_UnaryOp<"exp", "exponential">;
def PC_LogOp : PC_UnaryOp<"log", "natural logarithm">;

def PC_LeakyReluOp : PC_GraphOp<"leaky_relu", [SameOperandsAndResultType,
    PC_LayerTail]> {
  let summary = "leaky rectified linear unit";
  let description = "Elementwise `x >= 0 ? x : alpha * x`.";
  let arguments = (ins PC_Tensor:$input, F32Attr:$alpha);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

class PC_AxisOp<string mnemonic, string desc>
    : PC_GraphOp<mnemonic, [SameOperandsAndResultType]> {
  let summary = desc;
  let description = desc # " along dimension `axis` (non-negative).";
  let arguments = (ins PC_Tensor:$input, I64Attr:$axis);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def PC_SoftmaxOp : PC_AxisOp<"softmax", "softmax">;
def PC_LogSoftmaxOp : PC_AxisOp<"log_softmax", "log-softmax">;

def PC_MatMulOp : PC_GraphOp<"matmul"> {
  let summary = "matrix product, batched over leading dimensions";
  let description = [{
    `result = op(lhs) * op(rhs)` over the last two dimensions, where `op`
    transposes those two dimensions of its operand when the matching flag
    is set. Operands of rank above 2 have equal leading (batch) dimensions
    and the product is taken for each batch index. ONNX Gemm and MatMul
    import to this op (MatMul's broadcast batch dimensions through
    `pc.broadcast_to`).
  }];
  let arguments = (ins PC_Tensor:$lhs, PC_Tensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_ReshapeOp : PC_GraphOp<"reshape", [PC_Wiring]> {
  let summary = "reshape to a static shape with the same element count";
  let arguments = (ins PC_Tensor:$input);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_TransposeOp : PC_GraphOp<"transpose", [PC_Wiring]> {
  let summary = "permute dimensions";
  let description = "`result` dimension `i` is `input` dimension `perm[i]`.";
  let arguments = (ins PC_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_AbsOp : PC_UnaryOp<"abs", "absolute value">;
def PC_SqrtOp : PC_UnaryOp<"sqrt", "square root">;
def PC_SoftplusOp : PC_UnaryOp<"softplus", "softplus log(1 + exp(x))">;

def PC_EluOp : PC_GraphOp<"elu", [SameOperandsAndResultType,
    PC_LayerTail]> {
  let summary = "exponential linear unit";
  let description = "Elementwise `x > 0 ? x : alpha * (exp(x) - 1)`.";
  let arguments = (ins PC_Tensor:$input, F32Attr:$alpha);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def PC_ClipOp : PC_GraphOp<"clip", [SameOperandsAndResultType,
    PC_LayerTail]> {
  let summary = "clamp to [min, max]";
  let description = [{
    Elementwise `min(max(x, min), max)`; an absent bound is -inf or +inf.
    The local derivative is 1 where `min < x < max` and 0 elsewhere, bounds
    excluded as in PyTorch's ReLU6 and hardtanh (which export as Clip) and
    as in pc.relu; torch.clamp, which exports as Clip too, would count the
    bounds in.
  }];
  let arguments = (ins PC_Tensor:$input, F32Attr:$min, F32Attr:$max);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def PC_PowOp : PC_GraphOp<"pow", [SameOperandsAndResultType]> {
  let summary = "power with a constant exponent";
  let description = [{
    Elementwise `x ^ exponent`. Integral exponents are exact for negative x
    (repeated multiplication); other exponents follow `powf`.
  }];
  let arguments = (ins PC_Tensor:$input, F32Attr:$exponent);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def PC_SliceOp : PC_GraphOp<"slice", [PC_Wiring]> {
  let summary = "strided slice with static starts and steps";
  let description = [{
    `result[i_0, ..., i_n] = input[starts[0] + steps[0] * i_0, ...]` for
    every dimension; steps may be negative (reversed reads). ONNX Slice,
    Split and the gate and time-step slices of unrolled recurrences import
    to this op.
  }];
  let arguments = (ins PC_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$steps);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_ConcatOp : PC_GraphOp<"concat", [PC_Wiring]> {
  let summary = "concatenation along an axis";
  let arguments = (ins Variadic<PC_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_PadOp : PC_GraphOp<"pad", [PC_Wiring]> {
  let summary = "constant padding";
  let description = [{
    Pads dimension `i` with `low[i]` leading and `high[i]` trailing elements
    of `value` (non-negative amounts).
  }];
  let arguments = (ins PC_Tensor:$input, DenseI64ArrayAttr:$low,
                       DenseI64ArrayAttr:$high, F32Attr:$value);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_BroadcastToOp : PC_GraphOp<"broadcast_to", [PC_Wiring]> {
  let summary = "NumPy broadcast to a larger shape (ONNX Expand)";
  let arguments = (ins PC_Tensor:$input);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_ReduceSumOp : PC_GraphOp<"reduce_sum"> {
  let summary = "scaled sum over axes, kept as size-1 dimensions";
  let description = [{
    `scale` times the sum of `input` over the dimensions `axes` (sorted,
    non-negative); the result keeps them with size 1. ReduceSum imports with
    scale 1, ReduceMean and GlobalAveragePool with 1/count.
  }];
  let arguments = (ins PC_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<F32Attr, "1.0">:$scale);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_GatherOp : PC_GraphOp<"gather", [PC_Wiring]> {
  let summary = "gather along an axis at constant indices";
  let description = [{
    `result[..., k, ...] = input[..., indices[k], ...]` with `k` at
    dimension `axis`; indices are non-negative and in range.
  }];
  let arguments = (ins PC_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$indices);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

class PC_WindowOp<string mnemonic, string desc, dag args>
    : PC_GraphOp<mnemonic> {
  let summary = desc;
  let arguments = !con(args, (ins DenseI64ArrayAttr:$kernel_shape,
      DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
      DenseI64ArrayAttr:$pads));
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_ConvOp : PC_WindowOp<"conv", "2-D convolution (NCHW, FCHW filters)",
    (ins PC_Tensor:$input, PC_Tensor:$filter, I64Attr:$group)> {
  let description = [{
    ONNX Conv without bias over `input` [N, C, H, W] zero-padded by `pads`
    [top, left, bottom, right], with `filter` [F, C/group, KH, KW]. The
    result is [N, F, OH, OW].
  }];
}

def PC_MaxPoolOp : PC_WindowOp<"max_pool", "2-D max pooling",
    (ins PC_Tensor:$input)> {
  let description = [{
    Window maxima over `input` [N, C, H, W] padded by `pads` with -inf. The
    result may have more windows than fit (ONNX ceil_mode): they read
    -inf beyond the padding.
  }];
}

def PC_AvgPoolOp : PC_WindowOp<"avg_pool", "2-D average pooling",
    (ins PC_Tensor:$input, BoolAttr:$count_include_pad)> {
  let description = [{
    Window means over `input` [N, C, H, W] zero-padded by `pads`. The
    divisor counts the window elements inside the input, and inside the
    padding too when `count_include_pad`; never those past the padding
    (ONNX ceil_mode).
  }];
}


def PC_ErfOp : PC_UnaryOp<"erf", "Gauss error function">;

def PC_HardSigmoidOp : PC_GraphOp<"hard_sigmoid", [SameOperandsAndResultType,
    PC_LayerTail]> {
  let summary = "hard sigmoid max(0, min(1, alpha * x + beta))";
  let arguments = (ins PC_Tensor:$input, F32Attr:$alpha, F32Attr:$beta);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def PC_HardSwishOp : PC_UnaryOp<"hard_swish",
    "hard swish x * max(0, min(1, x / 6 + 1/2))">;

def PC_MaxOp : PC_BroadcastBinaryOp<"max", "maximum">;
def PC_MinOp : PC_BroadcastBinaryOp<"min", "minimum">;

def PC_WhereOp : PC_GraphOp<"where"> {
  let summary = "elementwise choice by a constant condition";
  let description = [{
    `result = condition ? lhs : rhs`, the three broadcast together (NumPy
    rules); the condition is a compile-time i1 tensor. ONNX Where with a
    constant condition imports to this op.
  }];
  let arguments = (ins PC_Tensor:$lhs, PC_Tensor:$rhs,
                       ElementsAttr:$condition);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_NormalizeOp : PC_GraphOp<"normalize", [PC_LayerTail]> {
  let summary = "standardise over axes with the tensor's own statistics";
  let description = [{
    `result = (x - mean) / sqrt(var + epsilon) * scale + bias`, with mean
    and (biased) variance over the dimensions `axes` (sorted, unique) of
    `x`, and `scale` and `bias` broadcast to `x`. ONNX
    LayerNormalization imports to this op.
  }];
  let arguments = (ins PC_Tensor:$input, PC_Tensor:$scale, PC_Tensor:$bias,
                       DenseI64ArrayAttr:$axes, F32Attr:$epsilon);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_BatchNormOp : PC_GraphOp<"batch_norm", [PC_LayerTail,
    DeclareOpInterfaceMethods<StatefulOpInterface>]> {
  let summary = "batch normalisation in training mode";
  let description = [{
    Training: `result = (x - mean_B) / sqrt(var_B + epsilon) * scale + bias`
    per channel (dimension 1), with the batch's own mean and biased
    variance over every other dimension; each training step updates the
    running estimates `mean` and `var` (state) to `momentum * old + (1 -
    momentum) * batch` (ONNX's rule). Prediction uses the running
    estimates instead of the batch statistics. `scale`, `bias`, `mean` and
    `var` have one entry per channel.
  }];
  let arguments = (ins PC_Tensor:$input, PC_Tensor:$scale, PC_Tensor:$bias,
                       PC_Tensor:$mean, PC_Tensor:$var, F32Attr:$epsilon,
                       F32Attr:$momentum);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_ReduceMaxOp : PC_GraphOp<"reduce_max"> {
  let summary = "maximum over axes, kept as size-1 dimensions";
  let arguments = (ins PC_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_ResizeMode : I32EnumAttr<"ResizeMode", "resize interpolation", [
    I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>]> {
  let cppNamespace = "::mlir::pc";
}
def PC_ResizeCoordinates : I32EnumAttr<"ResizeCoordinates",
    "ONNX coordinate_transformation_mode", [
    I32EnumAttrCase<"half_pixel", 0>, I32EnumAttrCase<"asymmetric", 1>,
    I32EnumAttrCase<"align_corners", 2>,
    I32EnumAttrCase<"pytorch_half_pixel", 3>,
    I32EnumAttrCase<"tf_half_pixel_for_nn", 4>]> {
  let cppNamespace = "::mlir::pc";
}
def PC_ResizeRounding : I32EnumAttr<"ResizeRounding", "ONNX nearest_mode", [
    I32EnumAttrCase<"round_prefer_floor", 0>,
    I32EnumAttrCase<"round_prefer_ceil", 1>, I32EnumAttrCase<"floor", 2>,
    I32EnumAttrCase<"ceil", 3>]> {
  let cppNamespace = "::mlir::pc";
}

def PC_ResizeOp : PC_GraphOp<"resize"> {
  let summary = "nearest or linear resize (ONNX Resize and Upsample)";
  let description = [{
    Each output coordinate is mapped back to the input by
    `coordinates` with the per-dimension `scales` (output / input size as
    ONNX gives them), then read at the nearest input element (`rounding`)
    or interpolated linearly between the two neighbours; dimensions whose
    size and scale are 1 are copied. Every dimension is resized on its
    own.
  }];
  let arguments = (ins PC_Tensor:$input, PC_ResizeMode:$mode,
                       PC_ResizeCoordinates:$coordinates,
                       PC_ResizeRounding:$rounding,
                       DenseF32ArrayAttr:$scales);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = [{
    $mode $coordinates $rounding $input attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Derivative ops: emitted by the local derivative builders.
//===----------------------------------------------------------------------===//

def PC_SumToOp : PC_Op<"sum_to", [Pure]> {
  let summary = "sum a tensor down to a shape it was broadcast from";
  let description = [{
    The adjoint of NumPy broadcasting: sums `input` over the dimensions that
    broadcasting to the input's shape would have added or stretched, giving
    the result's shape.
  }];
  let arguments = (ins PC_Tensor:$input);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

class PC_ElementwiseGradOp<string mnemonic, string desc>
    : PC_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = desc;
  let description = [{
    Elementwise: the cotangent `grad` of the op's result times the op's
    local derivative, computed from `}] # desc # [{`.
  }];
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$primal);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad `,` $primal attr-dict `:` type($result)";
}

def PC_ReluGradOp : PC_ElementwiseGradOp<"relu_grad", "the relu output">;
def PC_SigmoidGradOp : PC_ElementwiseGradOp<"sigmoid_grad", "the sigmoid output">;
def PC_TanhGradOp : PC_ElementwiseGradOp<"tanh_grad", "the tanh output">;

def PC_LeakyReluGradOp : PC_Op<"leaky_relu_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "cotangent times the leaky relu slope at the input";
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$primal, F32Attr:$alpha);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad `,` $primal attr-dict `:` type($result)";
}

class PC_AxisGradOp<string mnemonic, string desc>
    : PC_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = desc;
  let description = desc # ", from the op's output `primal`, along `axis`.";
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$primal, I64Attr:$axis);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad `,` $primal attr-dict `:` type($result)";
}

def PC_SoftmaxGradOp : PC_AxisGradOp<"softmax_grad",
    "vector-Jacobian product of softmax: y * (g - sum(g * y))">;
def PC_LogSoftmaxGradOp : PC_AxisGradOp<"log_softmax_grad",
    "vector-Jacobian product of log-softmax: g - exp(y) * sum(g)">;

def PC_AbsGradOp : PC_ElementwiseGradOp<"abs_grad", "the abs input">;
def PC_SqrtGradOp : PC_ElementwiseGradOp<"sqrt_grad", "the sqrt output">;

def PC_EluGradOp : PC_Op<"elu_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "cotangent times the elu slope at the input";
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$primal, F32Attr:$alpha);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad `,` $primal attr-dict `:` type($result)";
}

def PC_ClipGradOp : PC_Op<"clip_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "cotangent where min < input < max, else 0";
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$primal, F32Attr:$min,
                       F32Attr:$max);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad `,` $primal attr-dict `:` type($result)";
}

def PC_PowGradOp : PC_Op<"pow_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "cotangent times exponent * input^(exponent - 1)";
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$primal, F32Attr:$exponent);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad `,` $primal attr-dict `:` type($result)";
}

def PC_SliceGradOp : PC_Op<"slice_grad", [Pure]> {
  let summary = "adjoint of pc.slice: scatter into zeros, or add into a sum";
  let description = [{
    `grad` (the cotangent of a slice's result) written at the positions the
    slice read, zeros elsewhere. With `into %acc` the result is `acc` plus
    that scatter instead: the canonical form of `pc.add %acc, (slice_grad
    %g)`, which lowers to an update of the slice's window alone rather than
    a zero tensor of the full shape and a full-size sum (the time steps and
    gates of an unrolled recurrence are such slices).
  }];
  let arguments = (ins PC_Tensor:$grad, Optional<PC_Tensor>:$accumulator,
                       DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$steps);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = [{
    $grad (`into` $accumulator^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def PC_GatherGradOp : PC_Op<"gather_grad", [Pure]> {
  let summary = "adjoint of pc.gather: scatter-add into zeros";
  let arguments = (ins PC_Tensor:$grad, I64Attr:$axis,
                       DenseI64ArrayAttr:$indices);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad attr-dict `:` functional-type(operands, results)";
}

class PC_WindowGradOp<string mnemonic, string desc, dag args>
    : PC_Op<mnemonic, [Pure]> {
  let summary = desc;
  let arguments = !con(args, (ins DenseI64ArrayAttr:$kernel_shape,
      DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
      DenseI64ArrayAttr:$pads));
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def PC_ConvInputGradOp : PC_WindowGradOp<"conv_input_grad",
    "adjoint of pc.conv towards its input",
    (ins PC_Tensor:$grad, PC_Tensor:$filter, I64Attr:$group)>;
def PC_ConvFilterGradOp : PC_WindowGradOp<"conv_filter_grad",
    "adjoint of pc.conv towards its filter",
    (ins PC_Tensor:$grad, PC_Tensor:$input, I64Attr:$group)>;
def PC_MaxPoolGradOp : PC_WindowGradOp<"max_pool_grad",
    "adjoint of pc.max_pool: the cotangent goes to each window's first maximum",
    (ins PC_Tensor:$grad, PC_Tensor:$input)>;
def PC_AvgPoolGradOp : PC_WindowGradOp<"avg_pool_grad",
    "adjoint of pc.avg_pool",
    (ins PC_Tensor:$grad, BoolAttr:$count_include_pad)>;


def PC_ErfGradOp : PC_ElementwiseGradOp<"erf_grad", "the erf input">;
def PC_HardSwishGradOp : PC_ElementwiseGradOp<"hard_swish_grad",
    "the hard swish input">;

def PC_HardSigmoidGradOp : PC_Op<"hard_sigmoid_grad",
    [Pure, SameOperandsAndResultType]> {
  let summary = "cotangent times alpha where 0 < alpha * x + beta < 1, else 0";
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$primal, F32Attr:$alpha,
                       F32Attr:$beta);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$grad `,` $primal attr-dict `:` type($result)";
}

def PC_ExtremumGradOp : PC_Op<"extremum_grad", [Pure]> {
  let summary = "cotangent of pc.max or pc.min towards one operand";
  let description = [{
    `grad` where `self` is the strict maximum (minimum with `is_min`) of
    `self` and `other`, half of it where they are equal, zero elsewhere;
    `self` and `other` broadcast to `grad`, whose shape the result has.
  }];
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$self, PC_Tensor:$other,
                       BoolAttr:$is_min);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_NormalizeGradOp : PC_Op<"normalize_grad", [Pure]> {
  let summary = "adjoint of standardisation over axes towards its input";
  let description = [{
    For `xhat = (x - mean) / sqrt(var + epsilon)` over `axes` and the
    cotangent `grad` of `xhat`: `(grad - mean(grad) - xhat * mean(grad *
    xhat)) / sqrt(var + epsilon)`.
  }];
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$input,
                       DenseI64ArrayAttr:$axes, F32Attr:$epsilon);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def PC_ReduceMaxGradOp : PC_Op<"reduce_max_grad", [Pure]> {
  let summary = "adjoint of pc.reduce_max";
  let description = [{
    The cotangent `grad` of the maxima `max` of `input` over `axes`, shared
    evenly by the input elements equal to their maximum (as PyTorch's
    amax).
  }];
  let arguments = (ins PC_Tensor:$grad, PC_Tensor:$input, PC_Tensor:$max,
                       DenseI64ArrayAttr:$axes);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def PC_ResizeGradOp : PC_Op<"resize_grad", [Pure]> {
  let summary = "adjoint of pc.resize: the transposed interpolation";
  let arguments = (ins PC_Tensor:$grad, PC_ResizeMode:$mode,
                       PC_ResizeCoordinates:$coordinates,
                       PC_ResizeRounding:$rounding,
                       DenseF32ArrayAttr:$scales);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = [{
    $mode $coordinates $rounding $grad attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizer updates: the optimizer of an algorithm that steps the parameters
// inside its relaxation (ipc), each update one elementwise pass. Not graph
// ops.
//===----------------------------------------------------------------------===//

def PC_MovingAverageOp : PC_Op<"moving_average",
                               [Pure, SameOperandsAndResultType]> {
  let summary = "Adam's moment estimate: beta * average + (1 - beta) * sample";
  let description = [{
    Elementwise `beta * average + (1 - beta) * sample`, or with `squared`
    `beta * average + (1 - beta) * sample * sample`: Adam's first and
    second moment estimates of a gradient.
  }];
  let arguments = (ins PC_Tensor:$average, PC_Tensor:$sample, F32Attr:$beta,
                       UnitAttr:$squared);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$average `,` $sample attr-dict `:` type($result)";
}

def PC_AdamUpdateOp : PC_Op<"adam_update", [Pure,
    AllTypesMatch<["param", "moment", "second_moment", "result"]>]> {
  let summary = "Adam's parameter update from its moment estimates";
  let description = [{
    Elementwise `param - step_size * moment / (sqrt(second_moment) /
    correction + epsilon)`, with the scalars `step_size` (the learning rate
    over 1 - beta1^t) and `correction` (sqrt(1 - beta2^t)):
    torch.optim.Adam's arithmetic, as pcc's runtime computes it.
  }];
  let arguments = (ins PC_Tensor:$param, PC_Tensor:$moment,
                       PC_Tensor:$second_moment, PC_F32Scalar:$step_size,
                       PC_F32Scalar:$correction, F32Attr:$epsilon);
  let results = (outs PC_Tensor:$result);
  let assemblyFormat = "$param `,` $moment `,` $second_moment `,` $step_size "
                       "`,` $correction attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Predictive-coding ops.
//===----------------------------------------------------------------------===//

def PC_ValueOp : PC_Op<"value", [SameOperandsAndResultType]> {
  let summary = "value node of a vertex, initialised from its prediction";
  let description = [{
    `%x = pc.value %mu` marks the value node x of the vertex whose forward
    prediction is `%mu`. In the graph it passes the prediction through
    (the forward-pass initialisation, so the error starts at zero); the
    training pass turns it into state relaxed by the inference dynamics.
    Deliberately not Pure: it must not fold away before training is built.
  }];
  let arguments = (ins PC_Tensor:$prediction, I64Attr:$vertex);
  let results = (outs PC_Tensor:$value);
  let assemblyFormat = "$prediction attr-dict `:` type($value)";
}

def PC_ErrorOp : PC_Op<"error", [Pure, SameOperandsAndResultType]> {
  let summary = "error node: value minus prediction";
  // The error of a value that is its own prediction is zero.
  let hasFolder = 1;
  let arguments = (ins PC_Tensor:$value, PC_Tensor:$prediction);
  let results = (outs PC_Tensor:$error);
  let assemblyFormat = "$value `,` $prediction attr-dict `:` type($error)";
}

def PC_LossKind : I32EnumAttr<"LossKind", "output loss", [
    I32EnumAttrCase<"mse", 0>, I32EnumAttrCase<"ce", 1>]> {
  let cppNamespace = "::mlir::pc";
}

def PC_LossReduction : I32EnumAttr<"LossReduction",
    "how the per-sample losses combine over the batch", [
    I32EnumAttrCase<"mean", 0>, I32EnumAttrCase<"sum", 1>]> {
  let cppNamespace = "::mlir::pc";
}

def PC_LossOp : PC_Op<"loss", [Pure]> {
  let summary = "loss of the output against the target, over the batch";
  let description = [{
    `mse`: 1/2 |y - t|^2 per sample. `ce`: the softmax cross-entropy along
    the last dimension, `sum_j t_j (logsumexp(y) - y_j)`, per sample.
    `reduction` combines the samples (dimension 0): their mean (default) or
    their sum. With `sum` each sample's output error weighs as much as its
    hidden errors, whatever the batch size.
  }];
  let arguments = (ins PC_Tensor:$output, PC_Tensor:$target, PC_LossKind:$kind,
      DefaultValuedAttr<PC_LossReduction, "::mlir::pc::LossReduction::mean">:$reduction);
  let results = (outs PC_Scalar:$loss);
  let assemblyFormat = "$kind (`reduction` `(` $reduction^ `)`)? $output `,` $target attr-dict `:` type($output) `,` type($target) `->` type($loss)";
  let hasVerifier = 1;
}

def PC_LossErrorOp : PC_Op<"loss_error", [Pure]> {
  let summary = "output error node: minus the loss gradient";
  let description = [{
    eps_out = -dL/dy: `(t - y) / B` for mse and `(t - softmax(y) * sum(t))
    / B` for ce with the `mean` reduction; without the `/ B` for `sum`.
  }];
  let arguments = (ins PC_Tensor:$output, PC_Tensor:$target, PC_LossKind:$kind,
      DefaultValuedAttr<PC_LossReduction, "::mlir::pc::LossReduction::mean">:$reduction);
  let results = (outs PC_Tensor:$error);
  let assemblyFormat = "$kind (`reduction` `(` $reduction^ `)`)? $output `,` $target attr-dict `:` type($output) `,` type($target) `->` type($error)";
  let hasVerifier = 1;
}

def PC_HalfSqNormOp : PC_Op<"half_sq_norm", [Pure]> {
  let summary = "1/2 of the squared Frobenius norm (an error node's energy)";
  let arguments = (ins PC_Tensor:$input);
  let results = (outs PC_Scalar:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

#endif // PC_OPS_TD
