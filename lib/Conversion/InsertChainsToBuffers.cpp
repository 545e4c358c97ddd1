//===- InsertChainsToBuffers.cpp - insert_slice chains into one buffer ----===//
//
// See the pass description in Passes.td. The rewrite keeps every tensor value
// and the order of the writes; only the chain's intermediate tensors, which
// nothing else reads, stop existing as values.
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"
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

/// Puts the chain's first destination into `buffer` before `point`.
void initialize(IRRewriter &rewriter, Value root, Value buffer,
                Operation *point) {
  Location loc = point->getLoc();
  rewriter.setInsertionPoint(point);
  if (root.getDefiningOp<tensor::EmptyOp>())
    return;
  auto fill = root.getDefiningOp<linalg::FillOp>();
  if (fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>()) {
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

/// Static windows of two links that share no element.
bool disjoint(tensor::InsertSliceOp a, tensor::InsertSliceOp b) {
  for (auto op : {a, b})
    if (ShapedType::isDynamicShape(op.getStaticOffsets()) ||
        ShapedType::isDynamicShape(op.getStaticSizes()) ||
        ShapedType::isDynamicShape(op.getStaticStrides()))
      return false;
  return !pc::lowering::windowsMayOverlap(
      a.getStaticOffsets(), a.getStaticSizes(), a.getStaticStrides(),
      b.getStaticOffsets(), b.getStaticSizes(), b.getStaticStrides());
}

/// The linalg op that can compute `link`'s source straight into its window
/// of the buffer: its one result feeds only the link, and it writes into a
/// tensor.empty (often shared, after CSE) whose contents it never reads.
linalg::LinalgOp directProducer(tensor::InsertSliceOp link) {
  auto op = link.getSource().getDefiningOp<linalg::LinalgOp>();
  if (!op || op->getNumResults() != 1 || op.getNumDpsInits() != 1 ||
      !link.getSource().hasOneUse() || op->getBlock() != link->getBlock())
    return {};
  OpOperand *init = op.getDpsInitOperand(0);
  if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
      op.payloadUsesValueFromOperand(init))
    return {};
  return op;
}

/// Links whose source is computed into the buffer directly: those with a
/// direct producer whose window no other link touches (the order of their
/// writes then does not matter).
SmallVector<linalg::LinalgOp>
directProducers(ArrayRef<tensor::InsertSliceOp> links) {
  SmallVector<linalg::LinalgOp> producers(links.size());
  constexpr size_t kMaxPairwise = 4096; // beyond: copies, not quadratic checks
  if (links.size() > kMaxPairwise)
    return producers;
  for (size_t i = 0; i < links.size(); ++i) {
    linalg::LinalgOp p = directProducer(links[i]);
    if (!p)
      continue;
    bool alone = true;
    for (size_t j = 0; j < links.size() && alone; ++j)
      alone = i == j || disjoint(links[i], links[j]);
    if (alone)
      producers[i] = p;
  }
  return producers;
}

/// Whether `v` is defined before `point` (in its block or an enclosing one).
bool availableBefore(Value v, Operation *point) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return v.getParentBlock()->findAncestorOpInBlock(*point) != nullptr;
  Operation *ancestor = def->getBlock()->findAncestorOpInBlock(*point);
  return ancestor && def->isBeforeInBlock(ancestor);
}

void rewriteChain(IRRewriter &rewriter, ArrayRef<tensor::InsertSliceOp> links) {
  tensor::InsertSliceOp first = links.front(), last = links.back();
  RankedTensorType type = last.getDestType();
  Value root = first.getDest();
  SmallVector<linalg::LinalgOp> producers = directProducers(links);
  // The buffer is made and initialised before its first write.
  Operation *start = first;
  for (linalg::LinalgOp p : producers)
    if (p && p->isBeforeInBlock(start))
      start = p;
  // What the initialisation reads (initialize's cases).
  Value needed = root;
  auto fill = root.getDefiningOp<linalg::FillOp>();
  if (fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    needed = fill.getInputs()[0];
  if (start != first.getOperation() &&
      !(root.getDefiningOp<tensor::EmptyOp>() ||
        availableBefore(needed, start))) {
    producers.assign(links.size(), linalg::LinalgOp());
    start = first;
  }
  rewriter.setInsertionPoint(start);
  Value buffer = rewriter.create<memref::AllocOp>(
      first.getLoc(), MemRefType::get(type.getShape(), type.getElementType()));
  initialize(rewriter, root, buffer, start);
  for (size_t i = 0; i < links.size(); ++i) {
    tensor::InsertSliceOp link = links[i];
    linalg::LinalgOp producer = producers[i];
    if (producer) {
      // The producer writes into its window; the link has nothing to do.
      rewriter.setInsertionPoint(producer);
      Value view = window(rewriter, link, buffer);
      Value init = rewriter.create<bufferization::ToTensorOp>(
          link.getLoc(), link.getSourceType(), view, /*restrict=*/true,
          /*writable=*/true);
      OpOperand *out = producer.getDpsInitOperand(0);
      Operation *empty = out->get().getDefiningOp();
      rewriter.modifyOpInPlace(producer, [&] { out->set(init); });
      if (empty->use_empty())
        rewriter.eraseOp(empty);
      continue;
    }
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
