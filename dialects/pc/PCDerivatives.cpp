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

static Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                    bool transposeLhs, bool transposeRhs) {
  auto l = cast<RankedTensorType>(lhs.getType()).getShape();
  auto r = cast<RankedTensorType>(rhs.getType()).getShape();
  int64_t m = transposeLhs ? l[1] : l[0];
  int64_t n = transposeRhs ? r[0] : r[1];
  auto type = RankedTensorType::get({m, n}, b.getF32Type());
  return b.create<MatMulOp>(loc, type, lhs, rhs, transposeLhs, transposeRhs);
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
