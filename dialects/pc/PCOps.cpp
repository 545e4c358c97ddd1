//===- PCOps.cpp - pc op verifiers ----------------------------------------===//
#include "pc/PCOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

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
  if (lhs.size() != 2 || rhs.size() != 2 || res.size() != 2)
    return emitOpError("operands and result must be 2-D");
  int64_t m = getTransposeLhs() ? lhs[1] : lhs[0];
  int64_t k = getTransposeLhs() ? lhs[0] : lhs[1];
  int64_t k2 = getTransposeRhs() ? rhs[1] : rhs[0];
  int64_t n = getTransposeRhs() ? rhs[0] : rhs[1];
  if (k != k2)
    return emitOpError("contraction dimensions differ: ") << k << " vs " << k2;
  if (res[0] != m || res[1] != n)
    return emitOpError("result must be ") << m << "x" << n;
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

LogicalResult SumToOp::verify() {
  auto in = shapeOf(getInput()), out = shapeOf(getResult());
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(in, out);
  if (out.size() > in.size() || failed(shape) || ArrayRef<int64_t>(*shape) != in)
    return emitOpError("result shape must broadcast to the input shape");
  return success();
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
