//===- PCDerivatives.cpp - local derivatives of pc graph ops --------------===//
//
// LocalDerivativeOpInterface for every graph op: J_i^T g for each operand i.
// The predictive-coding passes only ever call these builders.
//
//===----------------------------------------------------------------------===//
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::pc;

/// Sums a broadcast cotangent back to the shape of the operand it came from.
static Value sumTo(OpBuilder &b, Location loc, Value g, Type operandType) {
  if (g.getType() == operandType)
    return g;
  return b.create<SumToOp>(loc, operandType, g);
}

/// A batched matrix product; the result shape follows from the operands.
static Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                    bool transposeLhs, bool transposeRhs) {
  auto l = cast<RankedTensorType>(lhs.getType()).getShape();
  auto r = cast<RankedTensorType>(rhs.getType()).getShape();
  size_t rank = l.size();
  SmallVector<int64_t> shape(l.drop_back(2));
  shape.push_back(l[rank - (transposeLhs ? 1 : 2)]);
  shape.push_back(r[rank - (transposeRhs ? 2 : 1)]);
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return b.create<MatMulOp>(loc, type, lhs, rhs, transposeLhs, transposeRhs);
}

static Value scalar(OpBuilder &b, Location loc, float v) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, ArrayRef<float>{v}));
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

Value AddOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  return sumTo(b, getLoc(), g, getOperand(index).getType());
}

Value SubOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  if (index == 1)
    g = b.create<NegOp>(getLoc(), g);
  return sumTo(b, getLoc(), g, getOperand(index).getType());
}

Value MulOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  Value other = getOperand(1 - index);
  Value prod = b.create<MulOp>(getLoc(), g.getType(), g, other);
  return sumTo(b, getLoc(), prod, getOperand(index).getType());
}

Value DivOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  Location loc = getLoc();
  Value q = b.create<DivOp>(loc, g.getType(), g, getRhs());
  if (index == 1) // d(a/b)/db = -(a/b)/b
    q = b.create<NegOp>(loc, b.create<MulOp>(loc, g.getType(), q, getResult()));
  return sumTo(b, loc, q, getOperand(index).getType());
}

Value NegOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<NegOp>(getLoc(), g);
}

Value ReluOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<ReluGradOp>(getLoc(), g, getResult());
}

Value LeakyReluOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<LeakyReluGradOp>(getLoc(), g, getInput(), getAlphaAttr());
}

Value SigmoidOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<SigmoidGradOp>(getLoc(), g, getResult());
}

Value TanhOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<TanhGradOp>(getLoc(), g, getResult());
}

Value ExpOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<MulOp>(getLoc(), g.getType(), g, getResult());
}

Value LogOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<DivOp>(getLoc(), g.getType(), g, getInput());
}

Value SoftmaxOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<SoftmaxGradOp>(getLoc(), g, getResult(), getAxisAttr());
}

Value LogSoftmaxOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<LogSoftmaxGradOp>(getLoc(), g, getResult(), getAxisAttr());
}

Value MatMulOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  Location loc = getLoc();
  bool tl = getTransposeLhs(), tr = getTransposeRhs();
  if (index == 0) {
    // d op(A) = g * op(B)^T; transpose back when A enters transposed.
    if (!tl)
      return matmul(b, loc, g, getRhs(), false, !tr);
    return matmul(b, loc, getRhs(), g, tr, true);
  }
  // d op(B) = op(A)^T * g.
  if (!tr)
    return matmul(b, loc, getLhs(), g, !tl, false);
  return matmul(b, loc, g, getLhs(), true, tl);
}

Value ReshapeOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<ReshapeOp>(getLoc(), getInput().getType(), g);
}

Value TransposeOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  return b.create<TransposeOp>(getLoc(), getInput().getType(), g,
                               b.getDenseI64ArrayAttr(inverse));
}

Value AbsOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<AbsGradOp>(getLoc(), g, getInput());
}

Value SqrtOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<SqrtGradOp>(getLoc(), g, getResult());
}

Value SoftplusOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  Value s = b.create<SigmoidOp>(getLoc(), getInput());
  return b.create<MulOp>(getLoc(), g.getType(), g, s);
}

Value EluOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<EluGradOp>(getLoc(), g, getInput(), getAlphaAttr());
}

Value ClipOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<ClipGradOp>(getLoc(), g, getInput(), getMinAttr(),
                              getMaxAttr());
}

Value PowOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<PowGradOp>(getLoc(), g, getInput(), getExponentAttr());
}

Value SliceOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<SliceGradOp>(getLoc(), getInput().getType(), g,
                               /*accumulator=*/Value(), getStartsAttr(),
                               getStepsAttr());
}

/// The unit-step slice of `g` at `starts` with the shape of `type`.
static Value unitSlice(OpBuilder &b, Location loc, Value g, Type type,
                       ArrayRef<int64_t> starts) {
  SmallVector<int64_t> steps(starts.size(), 1);
  return b.create<SliceOp>(loc, type, g, b.getDenseI64ArrayAttr(starts),
                           b.getDenseI64ArrayAttr(steps));
}

Value ConcatOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  int64_t axis = getAxis(), offset = 0;
  for (unsigned i = 0; i < index; ++i)
    offset += cast<RankedTensorType>(getInputs()[i].getType()).getShape()[axis];
  Type type = getInputs()[index].getType();
  SmallVector<int64_t> starts(cast<RankedTensorType>(type).getRank(), 0);
  starts[axis] = offset;
  return unitSlice(b, getLoc(), g, type, starts);
}

Value PadOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return unitSlice(b, getLoc(), g, getInput().getType(), getLow());
}

Value BroadcastToOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return sumTo(b, getLoc(), g, getInput().getType());
}

Value ReduceSumOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  Location loc = getLoc();
  if (getScale().convertToFloat() != 1.0f) {
    auto scalarType = RankedTensorType::get({}, b.getF32Type());
    Value scale = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(scalarType, getScaleAttr().getValue()));
    g = b.create<MulOp>(loc, g.getType(), g, scale);
  }
  return b.create<BroadcastToOp>(loc, getInput().getType(), g);
}

Value GatherOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<GatherGradOp>(getLoc(), getInput().getType(), g,
                                getAxisAttr(), getIndicesAttr());
}

Value ConvOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  if (index == 0)
    return b.create<ConvInputGradOp>(
        getLoc(), getInput().getType(), g, getFilter(), getGroupAttr(),
        getKernelShapeAttr(), getStridesAttr(), getDilationsAttr(),
        getPadsAttr());
  return b.create<ConvFilterGradOp>(
      getLoc(), getFilter().getType(), g, getInput(), getGroupAttr(),
      getKernelShapeAttr(), getStridesAttr(), getDilationsAttr(), getPadsAttr());
}

Value MaxPoolOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<MaxPoolGradOp>(getLoc(), getInput().getType(), g, getInput(),
                                 getKernelShapeAttr(), getStridesAttr(),
                                 getDilationsAttr(), getPadsAttr());
}

Value AvgPoolOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<AvgPoolGradOp>(getLoc(), getInput().getType(), g,
                                 getCountIncludePadAttr(), getKernelShapeAttr(),
                                 getStridesAttr(), getDilationsAttr(),
                                 getPadsAttr());
}

Value ErfOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<ErfGradOp>(getLoc(), g, getInput());
}

Value HardSigmoidOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<HardSigmoidGradOp>(getLoc(), g, getInput(), getAlphaAttr(),
                                     getBetaAttr());
}

Value HardSwishOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<HardSwishGradOp>(getLoc(), g, getInput());
}

/// pc.max and pc.min: the cotangent goes to the larger (smaller) operand,
/// halved on ties.
static Value extremumVJP(OpBuilder &b, Operation *op, unsigned index, Value g,
                         bool isMin) {
  Value self = op->getOperand(index), other = op->getOperand(1 - index);
  Value d = b.create<ExtremumGradOp>(op->getLoc(), g.getType(), g, self, other,
                                     b.getBoolAttr(isMin));
  return sumTo(b, op->getLoc(), d, self.getType());
}

Value MaxOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  return extremumVJP(b, *this, index, g, /*isMin=*/false);
}

Value MinOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  return extremumVJP(b, *this, index, g, /*isMin=*/true);
}

Value WhereOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  Location loc = getLoc();
  Value zero = scalar(b, loc, 0.0f);
  Value lhs = index == 0 ? g : zero, rhs = index == 0 ? zero : g;
  Value chosen = b.create<WhereOp>(loc, g.getType(), lhs, rhs, getCondition());
  return sumTo(b, loc, chosen, getOperand(index).getType());
}

/// The standardised input (x - mean) / sqrt(var + eps) over `axes`.
static Value standardized(OpBuilder &b, Location loc, Value x,
                          DenseI64ArrayAttr axes, FloatAttr eps) {
  return b.create<NormalizeOp>(loc, x.getType(), x, scalar(b, loc, 1.0f),
                               scalar(b, loc, 0.0f), axes, eps);
}

Value NormalizeOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  Location loc = getLoc();
  if (index == 0) {
    Value gs = b.create<MulOp>(loc, g.getType(), g, getScale());
    return b.create<NormalizeGradOp>(loc, g.getType(), gs, getInput(),
                                     getAxesAttr(), getEpsilonAttr());
  }
  if (index == 1) {
    Value xhat = standardized(b, loc, getInput(), getAxesAttr(),
                              getEpsilonAttr());
    Value prod = b.create<MulOp>(loc, g.getType(), g, xhat);
    return sumTo(b, loc, prod, getScale().getType());
  }
  return sumTo(b, loc, g, getBias().getType());
}

/// Batch norm's statistics run over every dimension but the channels.
static SmallVector<int64_t> batchAxes(int64_t rank) {
  SmallVector<int64_t> axes = {0};
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  return axes;
}

/// A per-channel [C] tensor as [C, 1, ...], broadcasting against NC... data.
static Value perChannel(OpBuilder &b, Location loc, Value v, int64_t rank) {
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = shapeOf(v)[0];
  return b.create<ReshapeOp>(loc, RankedTensorType::get(shape, b.getF32Type()),
                             v);
}

/// Sums `v` ([N, C, ...]) over every dimension but the channels, as [C].
static Value channelSum(OpBuilder &b, Location loc, Value v, float scale) {
  auto shape = shapeOf(v);
  SmallVector<int64_t> kept(shape.size(), 1);
  kept[1] = shape[1];
  Value r = b.create<ReduceSumOp>(
      loc, RankedTensorType::get(kept, b.getF32Type()), v,
      b.getDenseI64ArrayAttr(batchAxes(shape.size())), b.getF32FloatAttr(scale));
  return b.create<ReshapeOp>(
      loc, RankedTensorType::get({shape[1]}, b.getF32Type()), r);
}

Value BatchNormOp::buildOperandVJP(OpBuilder &b, unsigned index, Value g) {
  Location loc = getLoc();
  int64_t rank = shapeOf(getInput()).size();
  auto axes = b.getDenseI64ArrayAttr(batchAxes(rank));
  switch (index) {
  case 0: {
    Value gs = b.create<MulOp>(loc, g.getType(), g,
                               perChannel(b, loc, getScale(), rank));
    return b.create<NormalizeGradOp>(loc, g.getType(), gs, getInput(), axes,
                                     getEpsilonAttr());
  }
  case 1: {
    Value xhat = standardized(b, loc, getInput(), axes, getEpsilonAttr());
    return channelSum(b, loc, b.create<MulOp>(loc, g.getType(), g, xhat), 1.0f);
  }
  case 2:
    return channelSum(b, loc, g, 1.0f);
  default: // the running estimates are state: nothing flows into them
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(cast<ShapedType>(getMean().getType()),
                                    b.getF32FloatAttr(0.0f)));
  }
}

SmallVector<Value> BatchNormOp::getStateOperands() {
  return {getMean(), getVar()};
}

Value BatchNormOp::buildInferenceForm(OpBuilder &b) {
  // y = x * a + (bias - mean * a) with a = scale / sqrt(var + eps).
  Location loc = getLoc();
  Type c = getScale().getType();
  int64_t rank = shapeOf(getInput()).size();
  Value eps = scalar(b, loc, getEpsilon().convertToFloat());
  Value sd = b.create<SqrtOp>(loc, b.create<AddOp>(loc, c, getVar(), eps));
  Value a = b.create<DivOp>(loc, c, getScale(), sd);
  Value shift = b.create<SubOp>(loc, c, getBias(),
                                b.create<MulOp>(loc, c, getMean(), a));
  Value y = b.create<MulOp>(loc, getType(), getInput(),
                            perChannel(b, loc, a, rank));
  return b.create<AddOp>(loc, getType(), y, perChannel(b, loc, shift, rank));
}

SmallVector<Value> BatchNormOp::buildStateUpdates(OpBuilder &b) {
  Location loc = getLoc();
  Value x = getInput();
  auto shape = shapeOf(x);
  int64_t count = 1;
  for (int64_t d : batchAxes(shape.size()))
    count *= shape[d];
  Value mean = channelSum(b, loc, x, 1.0f / count);
  Value centred = b.create<SubOp>(loc, x.getType(), x,
                                  perChannel(b, loc, mean, shape.size()));
  Value sq = b.create<MulOp>(loc, x.getType(), centred, centred);
  Value var = channelSum(b, loc, sq, 1.0f / count);
  float m = getMomentum().convertToFloat();
  auto blend = [&](Value old, Value batch) -> Value {
    Type t = old.getType();
    Value kept = b.create<MulOp>(loc, t, old, scalar(b, loc, m));
    Value fresh = b.create<MulOp>(loc, t, batch, scalar(b, loc, 1.0f - m));
    return b.create<AddOp>(loc, t, kept, fresh);
  };
  return {blend(getMean(), mean), blend(getVar(), var)};
}

Value ReduceMaxOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<ReduceMaxGradOp>(getLoc(), getInput().getType(), g,
                                   getInput(), getResult(), getAxesAttr());
}

Value ResizeOp::buildOperandVJP(OpBuilder &b, unsigned, Value g) {
  return b.create<ResizeGradOp>(getLoc(), getInput().getType(), g,
                                getModeAttr(), getCoordinatesAttr(),
                                getRoundingAttr(), getScalesAttr());
}
