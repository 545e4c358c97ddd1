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

bool isContiguousF32(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.hasStaticShape() && t.getElementType().isF32() &&
         t.getLayout().isIdentity() && t.getRank() == 2;
}

struct MatmulToRuntimePass
    : mlir::pc::impl::PCMatmulToRuntimeBase<MatmulToRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::MatmulTransposeAOp,
              linalg::MatmulTransposeBOp>(op.getOperation()) &&
          op.hasPureBufferSemantics() &&
          llvm::all_of(op->getOperands(), isContiguousF32))
        matmuls.push_back(op);
    });
    if (matmuls.empty())
      return;

    OpBuilder b(module.getBodyRegion());
    Type i64 = b.getI64Type();
    if (!module.lookupSymbol(kGemm)) {
      b.setInsertionPointToStart(module.getBody());
      auto decl = b.create<func::FuncOp>(
          module.getLoc(), kGemm,
          b.getFunctionType(SmallVector<Type>(8, i64), {}));
      decl.setPrivate();
    }
    for (linalg::LinalgOp op : matmuls) {
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      bool ta = isa<linalg::MatmulTransposeAOp>(op.getOperation());
      bool tb = isa<linalg::MatmulTransposeBOp>(op.getOperation());
      Value a = op->getOperand(0), bm = op->getOperand(1),
            c = op->getOperand(2);
      auto cShape = cast<MemRefType>(c.getType()).getShape();
      auto aShape = cast<MemRefType>(a.getType()).getShape();
      int64_t k = ta ? aShape[0] : aShape[1];
      auto constant = [&](int64_t v) -> Value {
        return b.create<arith::ConstantIntOp>(loc, v, 64);
      };
      auto pointer = [&](Value m) -> Value {
        Value idx = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, m);
        return b.create<arith::IndexCastOp>(loc, i64, idx);
      };
      SmallVector<Value> args = {constant(ta),        constant(tb),
                                 constant(cShape[0]), constant(cShape[1]),
                                 constant(k),         pointer(a),
                                 pointer(bm),         pointer(c)};
      b.create<func::CallOp>(loc, kGemm, TypeRange{}, args);
      op->erase();
    }
  }
};
} // namespace
