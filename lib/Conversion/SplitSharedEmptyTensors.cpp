//===- SplitSharedEmptyTensors.cpp - one tensor.empty per use -------------===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCSPLITSHAREDEMPTYTENSORS
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;

namespace {

struct SplitSharedEmptyTensorsPass
    : mlir::pc::impl::PCSplitSharedEmptyTensorsBase<
          SplitSharedEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> shared;
    getOperation()->walk([&](tensor::EmptyOp op) {
      if (!op->hasOneUse() && !op->use_empty())
        shared.push_back(op);
    });
    for (tensor::EmptyOp op : shared) {
      SmallVector<OpOperand *> uses = llvm::to_vector(
          llvm::map_range(op->getUses(), [](OpOperand &u) { return &u; }));
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      for (OpOperand *use : llvm::drop_begin(uses))
        use->set(b.clone(*op)->getResult(0));
    }
  }
};

} // namespace
