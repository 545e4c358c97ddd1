//===- MatmulToRuntime.cpp - linalg matmuls to the runtime GEMM -----------===//
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCMATMULTORUNTIME
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;

namespace {

constexpr StringLiteral kGemm = "pcc_rt_sgemm";
constexpr StringLiteral kBatchedGemm = "pcc_rt_sgemm_batched";

bool isContiguousF32(Value v, int64_t rank) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.hasStaticShape() && t.getElementType().isF32() &&
         t.getLayout().isIdentity() && t.getRank() == rank;
}

/// (transA, transB, rank) of a (batched) matmul, or nullopt.
std::optional<std::tuple<bool, bool, int64_t>> matmulKind(Operation *op) {
  if (isa<linalg::MatmulOp>(op))
    return std::make_tuple(false, false, int64_t(2));
  if (isa<linalg::MatmulTransposeAOp>(op))
    return std::make_tuple(true, false, int64_t(2));
  if (isa<linalg::MatmulTransposeBOp>(op))
    return std::make_tuple(false, true, int64_t(2));
  if (isa<linalg::BatchMatmulOp>(op))
    return std::make_tuple(false, false, int64_t(3));
  if (isa<linalg::BatchMatmulTransposeAOp>(op))
    return std::make_tuple(true, false, int64_t(3));
  if (isa<linalg::BatchMatmulTransposeBOp>(op))
    return std::make_tuple(false, true, int64_t(3));
  return std::nullopt;
}

void declare(OpBuilder &b, ModuleOp module, StringRef name, unsigned args) {
  if (module.lookupSymbol(name))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto decl = b.create<func::FuncOp>(
      module.getLoc(), name,
      b.getFunctionType(SmallVector<Type>(args, b.getI64Type()), {}));
  decl.setPrivate();
}

struct MatmulToRuntimePass
    : mlir::pc::impl::PCMatmulToRuntimeBase<MatmulToRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      auto kind = matmulKind(op);
      if (kind && op.hasPureBufferSemantics() &&
          llvm::all_of(op->getOperands(), [&](Value v) {
            return isContiguousF32(v, std::get<2>(*kind));
          }))
        matmuls.push_back(op);
    });
    if (matmuls.empty())
      return;

    OpBuilder b(module.getBodyRegion());
    Type i64 = b.getI64Type();
    for (linalg::LinalgOp op : matmuls) {
      auto [ta, tb, rank] = *matmulKind(op);
      bool batched = rank == 3;
      declare(b, module, batched ? kBatchedGemm : kGemm, batched ? 9 : 8);
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value a = op->getOperand(0), bm = op->getOperand(1),
            c = op->getOperand(2);
      auto cType = cast<MemRefType>(c.getType());
      auto cShape = cType.getShape().take_back(2);
      auto aShape = cast<MemRefType>(a.getType()).getShape().take_back(2);
      int64_t k = ta ? aShape[0] : aShape[1];
      auto constant = [&](int64_t v) -> Value {
        return b.create<arith::ConstantIntOp>(loc, v, 64);
      };
      auto pointer = [&](Value m) -> Value {
        Value idx = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, m);
        return b.create<arith::IndexCastOp>(loc, i64, idx);
      };
      SmallVector<Value> args;
      if (batched)
        args.push_back(constant(cType.getShape().front()));
      args.append({constant(ta), constant(tb), constant(cShape[0]),
                   constant(cShape[1]), constant(k), pointer(a), pointer(bm),
                   pointer(c)});
      b.create<func::CallOp>(loc, batched ? kBatchedGemm : kGemm, TypeRange{},
                             args);
      op->erase();
    }
  }
};
} // namespace
