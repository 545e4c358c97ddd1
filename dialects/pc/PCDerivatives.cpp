//===- PCDerivatives.cpp - local derivatives of pc graph ops --------------===//
//
// LocalDerivativeOpInterface for every graph op: J_i^T g for each operand i.
// The predictive-coding passes only ever call these builders.
//
//===----------------------------------------------------------------------===//
#include "pc/PCOps.h"

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
