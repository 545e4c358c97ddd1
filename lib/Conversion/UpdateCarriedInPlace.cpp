//===- UpdateCarriedInPlace.cpp - loop-carried tensors updated in place ---===//
//
// See the pass description in Passes.td. Only the destination of the
// generic changes, and only where the generic never reads that destination,
// so the rewrite keeps every tensor value as it was.
//
//===----------------------------------------------------------------------===//
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCUPDATECARRIEDINPLACE
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;

namespace {

/// Makes the generic yielding `next` for `carried` write into `carried`
/// when that keeps every value as it was.
void retarget(BlockArgument carried, Value next, Block *body) {
  auto generic = next.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic->getBlock() != body ||
      generic->getNumResults() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0 ||
      carried.getType() != next.getType())
    return;
  OpOperand *init = generic.getDpsInitOperand(0);
  if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
      !generic.getMatchingBlockArgument(init).use_empty())
    return;
  AffineMap outMap = generic.getMatchingIndexingMap(init);
  bool readsCarried = llvm::any_of(
      generic.getDpsInputOperands(), [&](OpOperand *input) {
        return input->get() == carried &&
               generic.getMatchingIndexingMap(input) == outMap;
      });
  if (!readsCarried)
    return;
  init->set(carried);
}

struct UpdateCarriedInPlacePass
    : mlir::pc::impl::PCUpdateCarriedInPlaceBase<UpdateCarriedInPlacePass> {
  void runOnOperation() override {
    getOperation()->walk([](scf::ForOp loop) {
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      for (auto [carried, next] :
           llvm::zip(loop.getRegionIterArgs(), yield.getOperands()))
        retarget(carried, next, loop.getBody());
    });
  }
};

} // namespace
