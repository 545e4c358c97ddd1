//===- StridedCopiesToLinalg.cpp - strided memref.copy as linalg.copy -----===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCSTRIDEDCOPIESTOLINALG
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;

namespace {

/// Whether the runtime's memrefCopy moves `type` a row at a time: its last
/// dimension has unit stride (it calls memcpy per element otherwise).
bool rowsAreContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || memref.getRank() == 0)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(getStridesAndOffset(memref, strides, offset)) &&
         strides.back() == 1;
}

struct StridedCopiesToLinalgPass
    : mlir::pc::impl::PCStridedCopiesToLinalgBase<StridedCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      auto source = dyn_cast<MemRefType>(copy.getSource().getType());
      auto target = dyn_cast<MemRefType>(copy.getTarget().getType());
      if (source && target && source.getRank() > 0 &&
          !(rowsAreContiguous(source) && rowsAreContiguous(target)))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
  }
};

} // namespace
