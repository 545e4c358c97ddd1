//===- InsertChainsToBuffers.cpp - insert_slice chains into one buffer ----===//
//
// See the pass description in Passes.td. The rewrite keeps every tensor value
// and the order of the writes; only the chain's intermediate tensors, which
// nothing else reads, stop existing as values.
//
//===----------------------------------------------------------------------===//
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCINSERTCHAINSTOBUFFERS
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;

namespace {

/// The insert that continues the chain through `link`'s result: the one user
/// of that result, inserting into it, in the same block.
tensor::InsertSliceOp nextLink(tensor::InsertSliceOp link) {
  if (!link.getResult().hasOneUse())
    return {};
  auto next = dyn_cast<tensor::InsertSliceOp>(*link->user_begin());
  if (!next || next.getDest() != link.getResult() ||
      next->getBlock() != link->getBlock())
    return {};
  return next;
}

/// The chain ending at `end`, first link first.
SmallVector<tensor::InsertSliceOp> chainEndingAt(tensor::InsertSliceOp end) {
  SmallVector<tensor::InsertSliceOp> links = {end};
  while (auto prev =
             links.back().getDest().getDefiningOp<tensor::InsertSliceOp>()) {
    if (nextLink(prev) != links.back())
      break;
    links.push_back(prev);
  }
  std::reverse(links.begin(), links.end());
  return links;
}

/// Puts the chain's first destination into `buffer` before `first`.
void initialize(IRRewriter &rewriter, Value root, Value buffer,
                tensor::InsertSliceOp first) {
  Location loc = first.getLoc();
  rewriter.setInsertionPoint(first);
  if (root.getDefiningOp<tensor::EmptyOp>())
    return;
  auto fill = root.getDefiningOp<linalg::FillOp>();
  if (fill && root.hasOneUse() &&
      fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>()) {
    rewriter.create<linalg::FillOp>(loc, fill.getInputs(), buffer);
    return;
  }
  rewriter.create<bufferization::MaterializeInDestinationOp>(
      loc, TypeRange{}, root, buffer, /*restrict=*/true, /*writable=*/true);
}

/// The subview of `buffer` that `link` writes.
Value window(IRRewriter &rewriter, tensor::InsertSliceOp link, Value buffer) {
  auto bufferType = cast<MemRefType>(buffer.getType());
  auto viewType =
      cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
          link.getSourceType().getShape(), bufferType, link.getMixedOffsets(),
          link.getMixedSizes(), link.getMixedStrides()));
  return rewriter.create<memref::SubViewOp>(
      link.getLoc(), viewType, buffer, link.getMixedOffsets(),
      link.getMixedSizes(), link.getMixedStrides());
}

void rewriteChain(IRRewriter &rewriter, ArrayRef<tensor::InsertSliceOp> links) {
  tensor::InsertSliceOp first = links.front(), last = links.back();
  RankedTensorType type = last.getDestType();
  Value root = first.getDest();
  rewriter.setInsertionPoint(first);
  Value buffer = rewriter.create<memref::AllocOp>(
      first.getLoc(), MemRefType::get(type.getShape(), type.getElementType()));
  initialize(rewriter, root, buffer, first);
  for (tensor::InsertSliceOp link : links) {
    rewriter.setInsertionPoint(link);
    rewriter.create<bufferization::MaterializeInDestinationOp>(
        link.getLoc(), TypeRange{}, link.getSource(),
        window(rewriter, link, buffer), /*restrict=*/true, /*writable=*/true);
  }
  rewriter.setInsertionPoint(last);
  Value result = rewriter.create<bufferization::ToTensorOp>(
      last.getLoc(), type, buffer, /*restrict=*/true, /*writable=*/true);
  rewriter.replaceAllUsesWith(last.getResult(), result);
  for (tensor::InsertSliceOp link : llvm::reverse(links))
    rewriter.eraseOp(link);
  Operation *rootOp = root.getDefiningOp();
  if (rootOp && isa<tensor::EmptyOp, linalg::FillOp>(rootOp) &&
      rootOp->use_empty()) {
    Value init = isa<linalg::FillOp>(rootOp) ? rootOp->getOperand(1) : Value();
    rewriter.eraseOp(rootOp);
    if (init && init.use_empty())
      rewriter.eraseOp(init.getDefiningOp());
  }
}

struct InsertChainsToBuffersPass
    : mlir::pc::impl::PCInsertChainsToBuffersBase<InsertChainsToBuffersPass> {
  void runOnOperation() override {
    SmallVector<SmallVector<tensor::InsertSliceOp>> chains;
    getOperation()->walk([&](tensor::InsertSliceOp op) {
      if (nextLink(op) || !op.getDestType().hasStaticShape())
        return;
      SmallVector<tensor::InsertSliceOp> links = chainEndingAt(op);
      if (links.size() >= 2)
        chains.push_back(std::move(links));
    });
    IRRewriter rewriter(&getContext());
    for (ArrayRef<tensor::InsertSliceOp> links : chains)
      rewriteChain(rewriter, links);
  }
};

} // namespace
