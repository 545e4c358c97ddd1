//===- PCOps.cpp - pc op verifiers ----------------------------------------===//
#include "pc/PCOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::pc;

FailureOr<SmallVector<int64_t>> mlir::pc::broadcastShapes(ArrayRef<int64_t> a,
                                                          ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    out[i] = da == 1 ? db : da;
  }
  return out;
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

static LogicalResult verifyBroadcast(Operation *op) {
  auto lhs = shapeOf(op->getOperand(0)), rhs = shapeOf(op->getOperand(1));
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(lhs, rhs);
  if (failed(shape))
    return op->emitOpError("operand shapes do not broadcast");
  if (ArrayRef<int64_t>(*shape) != shapeOf(op->getResult(0)))
    return op->emitOpError("result shape must be the broadcast shape");
  return success();
}

LogicalResult AddOp::verify() { return verifyBroadcast(*this); }
LogicalResult SubOp::verify() { return verifyBroadcast(*this); }
LogicalResult MulOp::verify() { return verifyBroadcast(*this); }
LogicalResult DivOp::verify() { return verifyBroadcast(*this); }
LogicalResult MaxOp::verify() { return verifyBroadcast(*this); }
LogicalResult MinOp::verify() { return verifyBroadcast(*this); }

static LogicalResult verifyAxis(Operation *op, int64_t axis) {
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ") << axis << " out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifyAxis(*this, getAxis()); }
LogicalResult LogSoftmaxOp::verify() { return verifyAxis(*this, getAxis()); }

LogicalResult MatMulOp::verify() {
  auto lhs = shapeOf(getLhs()), rhs = shapeOf(getRhs()),
       res = shapeOf(getResult());
  size_t rank = lhs.size();
  if (rank < 2 || rhs.size() != rank || res.size() != rank)
    return emitOpError("operands and result must have one rank of at least 2");
  if (lhs.drop_back(2) != rhs.drop_back(2) || res.drop_back(2) != lhs.drop_back(2))
    return emitOpError("batch dimensions differ");
  int64_t m = lhs[rank - (getTransposeLhs() ? 1 : 2)];
  int64_t k = lhs[rank - (getTransposeLhs() ? 2 : 1)];
  int64_t k2 = rhs[rank - (getTransposeRhs() ? 1 : 2)];
  int64_t n = rhs[rank - (getTransposeRhs() ? 2 : 1)];
  if (k != k2)
    return emitOpError("contraction dimensions differ: ") << k << " vs " << k2;
  if (res[rank - 2] != m || res[rank - 1] != n)
    return emitOpError("result matrices must be ") << m << "x" << n;
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("element count changes from ")
           << in.getNumElements() << " to " << out.getNumElements();
  return success();
}

LogicalResult TransposeOp::verify() {
  auto in = shapeOf(getInput()), out = shapeOf(getResult());
  ArrayRef<int64_t> perm = getPerm();
  if (perm.size() != in.size() || out.size() != in.size())
    return emitOpError("permutation size must equal the rank");
  SmallVector<bool> seen(in.size(), false);
  for (auto [i, p] : llvm::enumerate(perm)) {
    if (p < 0 || p >= (int64_t)in.size() || seen[p])
      return emitOpError("perm is not a permutation");
    seen[p] = true;
    if (out[i] != in[p])
      return emitOpError("result dimension ") << i << " must be " << in[p];
  }
  return success();
}

/// Whether `from` broadcasts (NumPy rules) to exactly `to`.
static bool broadcastsTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(from, to);
  return from.size() <= to.size() && succeeded(shape) &&
         ArrayRef<int64_t>(*shape) == to;
}

LogicalResult SumToOp::verify() {
  if (!broadcastsTo(shapeOf(getResult()), shapeOf(getInput())))
    return emitOpError("result shape must broadcast to the input shape");
  return success();
}

/// Checks that a slice at `starts`/`steps` of a `whole`-shaped tensor has
/// shape `part` (the names say which operands or results they are).
static LogicalResult verifySliceWindow(Operation *op, ArrayRef<int64_t> whole,
                                       ArrayRef<int64_t> part,
                                       ArrayRef<int64_t> starts,
                                       ArrayRef<int64_t> steps,
                                       StringRef wholeName,
                                       StringRef partName) {
  if (part.size() != whole.size() || starts.size() != whole.size() ||
      steps.size() != whole.size())
    return op->emitOpError("starts, steps and ")
           << partName << " must have the " << wholeName << "'s rank";
  for (size_t i = 0; i < whole.size(); ++i) {
    if (steps[i] == 0)
      return op->emitOpError("step ") << i << " is zero";
    int64_t last = starts[i] + steps[i] * (part[i] - 1);
    if (part[i] < 1 || starts[i] < 0 || starts[i] >= whole[i] || last < 0 ||
        last >= whole[i])
      return op->emitOpError("dimension ")
             << i << " reads outside the " << wholeName;
  }
  return success();
}

LogicalResult SliceOp::verify() {
  return verifySliceWindow(*this, shapeOf(getInput()), shapeOf(getResult()),
                           getStarts(), getSteps(), "input", "result");
}

LogicalResult SliceGradOp::verify() {
  if (getAccumulator() && getAccumulator().getType() != getType())
    return emitOpError("accumulator must have the result type");
  return verifySliceWindow(*this, shapeOf(getResult()), shapeOf(getGrad()),
                           getStarts(), getSteps(), "result", "grad");
}

namespace {
/// add(acc, slice_grad(g)) -> slice_grad(g) into acc, when the sum has the
/// accumulator's type (no broadcast) and the scatter feeds nothing else.
struct AccumulateSliceGrad : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [acc, term] : {std::pair(op.getLhs(), op.getRhs()),
                             std::pair(op.getRhs(), op.getLhs())}) {
      auto scatter = term.getDefiningOp<SliceGradOp>();
      if (!scatter || scatter.getAccumulator() || !scatter->hasOneUse() ||
          acc.getType() != op.getType() || scatter.getType() != op.getType())
        continue;
      rewriter.replaceOpWithNewOp<SliceGradOp>(
          op, op.getType(), scatter.getGrad(), acc, scatter.getStartsAttr(),
          scatter.getStepsAttr());
      rewriter.eraseOp(scatter);
      return success();
    }
    return failure();
  }
};
} // namespace

/// Whether `attr` is a float tensor of zeros.
static bool isZeros(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  return dense && dense.isSplat() && dense.getSplatValue<APFloat>().isZero();
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isZeros(adaptor.getRhs()) && getLhs().getType() == getType())
    return getLhs();
  if (isZeros(adaptor.getLhs()) && getRhs().getType() == getType())
    return getRhs();
  return {};
}

OpFoldResult ErrorOp::fold(FoldAdaptor) {
  if (getValue() != getPrediction())
    return {};
  return DenseElementsAttr::get(cast<ShapedType>(getType()),
                                APFloat(0.0f));
}

void AddOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<AccumulateSliceGrad>(context);
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto out = shapeOf(getResult());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= (int64_t)out.size())
    return emitOpError("axis ") << axis << " out of range";
  int64_t total = 0;
  for (Value v : getInputs()) {
    auto in = shapeOf(v);
    if (in.size() != out.size())
      return emitOpError("inputs must have the result's rank");
    for (size_t i = 0; i < in.size(); ++i)
      if ((int64_t)i != axis && in[i] != out[i])
        return emitOpError("input dimension ") << i << " differs from the result";
    total += in[axis];
  }
  if (total != out[axis])
    return emitOpError("result axis size must be the inputs' sum, ") << total;
  return success();
}

LogicalResult PadOp::verify() {
  auto in = shapeOf(getInput()), out = shapeOf(getResult());
  ArrayRef<int64_t> low = getLow(), high = getHigh();
  if (low.size() != in.size() || high.size() != in.size() ||
      out.size() != in.size())
    return emitOpError("low, high and result must have the input's rank");
  for (size_t i = 0; i < in.size(); ++i) {
    if (low[i] < 0 || high[i] < 0)
      return emitOpError("padding amounts must be non-negative");
    if (out[i] != in[i] + low[i] + high[i])
      return emitOpError("result dimension ") << i << " must be "
                                              << in[i] + low[i] + high[i];
  }
  return success();
}

LogicalResult BroadcastToOp::verify() {
  if (!broadcastsTo(shapeOf(getInput()), shapeOf(getResult())))
    return emitOpError("input shape must broadcast to the result shape");
  return success();
}

LogicalResult ReduceSumOp::verify() {
  auto in = shapeOf(getInput()), out = shapeOf(getResult());
  if (in.size() != out.size())
    return emitOpError("result must keep the input's rank");
  ArrayRef<int64_t> axes = getAxes();
  for (size_t k = 0; k < axes.size(); ++k)
    if (axes[k] < 0 || axes[k] >= (int64_t)in.size() ||
        (k && axes[k] <= axes[k - 1]))
      return emitOpError("axes must be sorted, unique and in range");
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t expect = llvm::is_contained(axes, (int64_t)i) ? 1 : in[i];
    if (out[i] != expect)
      return emitOpError("result dimension ") << i << " must be " << expect;
  }
  return success();
}

LogicalResult GatherOp::verify() {
  auto in = shapeOf(getInput()), out = shapeOf(getResult());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= (int64_t)in.size() || out.size() != in.size())
    return emitOpError("axis out of range or result rank differs");
  for (int64_t i : getIndices())
    if (i < 0 || i >= in[axis])
      return emitOpError("index ") << i << " out of range";
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t expect = (int64_t)i == axis ? (int64_t)getIndices().size() : in[i];
    if (out[i] != expect)
      return emitOpError("result dimension ") << i << " must be " << expect;
  }
  return success();
}

/// Checks the common window attributes of conv and pooling: NCHW input,
/// two-element kernel/strides/dilations, four pads, and windows that start
/// inside the padded input.
static LogicalResult verifyWindow(Operation *op, ArrayRef<int64_t> in,
                                  ArrayRef<int64_t> out, ArrayRef<int64_t> kernel,
                                  ArrayRef<int64_t> strides,
                                  ArrayRef<int64_t> dilations,
                                  ArrayRef<int64_t> pads, bool exact) {
  if (in.size() != 4 || out.size() != 4)
    return op->emitOpError("input and result must be 4-D (NCHW)");
  if (kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2 ||
      pads.size() != 4)
    return op->emitOpError("needs 2 kernel sizes, strides and dilations and 4 pads");
  if (out[0] != in[0])
    return op->emitOpError("batch size changes");
  for (int d = 0; d < 2; ++d) {
    if (kernel[d] < 1 || strides[d] < 1 || dilations[d] < 1 || pads[d] < 0 ||
        pads[d + 2] < 0)
      return op->emitOpError("kernel, strides and dilations must be positive, "
                             "pads non-negative");
    int64_t padded = in[2 + d] + pads[d] + pads[d + 2];
    int64_t span = dilations[d] * (kernel[d] - 1) + 1;
    if (padded < span)
      return op->emitOpError("window larger than the padded input");
    int64_t fit = (padded - span) / strides[d] + 1;
    if (out[2 + d] < fit || (exact && out[2 + d] != fit) ||
        (out[2 + d] - 1) * strides[d] >= padded)
      return op->emitOpError("spatial result dimension ")
             << d << " must be " << fit;
  }
  return success();
}

LogicalResult ConvOp::verify() {
  auto in = shapeOf(getInput()), w = shapeOf(getFilter()),
       out = shapeOf(getResult());
  if (w.size() != 4)
    return emitOpError("filter must be 4-D (F, C/group, KH, KW)");
  if (getKernelShape() != w.drop_front(2))
    return emitOpError("kernel_shape must match the filter");
  int64_t g = getGroup();
  if (in.size() == 4 && (g < 1 || in[1] % g || w[0] % g || w[1] * g != in[1]))
    return emitOpError("channels ") << in[1] << " and filter " << w[0] << "x"
                                    << w[1] << " do not fit group " << g;
  if (out.size() == 4 && out[1] != w[0])
    return emitOpError("result channels must be ") << w[0];
  return verifyWindow(*this, in, out, getKernelShape(), getStrides(),
                      getDilations(), getPads(), /*exact=*/true);
}

/// Max and average pooling: channels kept, windows may run past the input
/// (ceil_mode).
template <typename PoolOp>
static LogicalResult verifyPool(PoolOp op) {
  auto in = shapeOf(op.getInput()), out = shapeOf(op.getResult());
  if (in.size() == 4 && out.size() == 4 && in[1] != out[1])
    return op.emitOpError("channel count changes");
  return verifyWindow(op, in, out, op.getKernelShape(), op.getStrides(),
                      op.getDilations(), op.getPads(), /*exact=*/false);
}

LogicalResult MaxPoolOp::verify() { return verifyPool(*this); }
LogicalResult AvgPoolOp::verify() { return verifyPool(*this); }


LogicalResult WhereOp::verify() {
  auto cond = dyn_cast<ShapedType>(getCondition().getType());
  if (!cond || !cond.hasStaticShape() || !cond.getElementType().isInteger(1))
    return emitOpError("condition must be a static i1 tensor");
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(shapeOf(getLhs()), shapeOf(getRhs()));
  if (succeeded(shape))
    shape = broadcastShapes(*shape, cond.getShape());
  if (failed(shape))
    return emitOpError("condition and operands do not broadcast");
  if (ArrayRef<int64_t>(*shape) != shapeOf(getResult()))
    return emitOpError("result shape must be the broadcast shape");
  return success();
}

/// Sorted, unique axes within `rank`.
static LogicalResult verifyAxes(Operation *op, ArrayRef<int64_t> axes,
                                int64_t rank) {
  for (size_t k = 0; k < axes.size(); ++k)
    if (axes[k] < 0 || axes[k] >= rank || (k && axes[k] <= axes[k - 1]))
      return op->emitOpError("axes must be sorted, unique and in range");
  return success();
}

LogicalResult NormalizeOp::verify() {
  auto x = shapeOf(getInput());
  if (getType() != getInput().getType())
    return emitOpError("result type must equal the input type");
  if (getAxes().empty())
    return emitOpError("needs at least one axis");
  if (!broadcastsTo(shapeOf(getScale()), x) ||
      !broadcastsTo(shapeOf(getBias()), x))
    return emitOpError("scale and bias must broadcast to the input");
  return verifyAxes(*this, getAxes(), x.size());
}

LogicalResult NormalizeGradOp::verify() {
  if (getType() != getInput().getType() || getGrad().getType() != getType())
    return emitOpError("grad, input and result must have one type");
  return verifyAxes(*this, getAxes(), shapeOf(getInput()).size());
}

LogicalResult BatchNormOp::verify() {
  auto x = shapeOf(getInput());
  if (x.size() < 2 || getType() != getInput().getType())
    return emitOpError("input must have a channel dimension and the result "
                       "its type");
  for (Value v : {getScale(), getBias(), getMean(), getVar()})
    if (shapeOf(v) != ArrayRef<int64_t>{x[1]})
      return emitOpError("scale, bias, mean and var must have ")
             << x[1] << " entries";
  return success();
}

LogicalResult ReduceMaxOp::verify() {
  auto in = shapeOf(getInput()), out = shapeOf(getResult());
  if (in.size() != out.size())
    return emitOpError("result must keep the input's rank");
  if (failed(verifyAxes(*this, getAxes(), in.size())))
    return failure();
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t expect = llvm::is_contained(getAxes(), (int64_t)i) ? 1 : in[i];
    if (out[i] != expect)
      return emitOpError("result dimension ") << i << " must be " << expect;
  }
  return success();
}

LogicalResult ExtremumGradOp::verify() {
  auto g = shapeOf(getGrad());
  if (getResult().getType() != getGrad().getType() ||
      !broadcastsTo(shapeOf(getSelf()), g) ||
      !broadcastsTo(shapeOf(getOther()), g))
    return emitOpError("operands must broadcast to the grad, which the "
                       "result's type is");
  return success();
}

/// Resize and its adjoint: one scale per dimension, and dimensions of scale
/// 1 keep their size.
static LogicalResult verifyResize(Operation *op, ArrayRef<int64_t> in,
                                  ArrayRef<int64_t> out, ArrayRef<float> scales) {
  if (in.size() != out.size() || scales.size() != in.size())
    return op->emitOpError("needs one scale per dimension and equal ranks");
  for (size_t i = 0; i < in.size(); ++i)
    if (!(scales[i] > 0) || (scales[i] == 1.0f && in[i] != out[i]))
      return op->emitOpError("dimension ")
             << i << ": scales must be positive, and 1 only where the size "
                     "is kept";
  return success();
}

LogicalResult ResizeOp::verify() {
  return verifyResize(*this, shapeOf(getInput()), shapeOf(getResult()),
                      getScales());
}

LogicalResult ResizeGradOp::verify() {
  return verifyResize(*this, shapeOf(getResult()), shapeOf(getGrad()),
                      getScales());
}

static LogicalResult verifyLoss(Operation *op) {
  auto y = cast<RankedTensorType>(op->getOperand(0).getType());
  if (y != op->getOperand(1).getType())
    return op->emitOpError("target type must equal output type");
  if (y.getRank() < 1)
    return op->emitOpError("output must have a batch dimension");
  return success();
}

LogicalResult LossOp::verify() { return verifyLoss(*this); }
LogicalResult LossErrorOp::verify() {
  if (getError().getType() != getOutput().getType())
    return emitOpError("error type must equal output type");
  return verifyLoss(*this);
}

#define GET_OP_CLASSES
#include "pc/PCOps.cpp.inc"
