//===- InsertNodes.cpp - value and error nodes for every vertex -----------===//
#include "GraphInfo.h"
#include "pc/PCOps.h"
#include "pcc/Training.h"
#include "pcc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCINSERTNODES
#include "pcc/Transforms/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;
using namespace mlir::pc;

namespace {
struct InsertNodesPass : pc::impl::PCInsertNodesBase<InsertNodesPass> {
  using PCInsertNodesBase::PCInsertNodesBase;

  void runOnOperation() override {
    std::optional<pcc::Vertices> kind = pcc::parseName<pcc::Vertices>(vertices);
    if (!kind) {
      getOperation().emitError("unknown vertices '")
          << vertices << "' (expected " << pcc::choicesOf<pcc::Vertices>()
          << ")";
      return signalPassFailure();
    }
    FailureOr<func::FuncOp> func = findGraphFunction(getOperation());
    if (failed(func))
      return signalPassFailure();
    bool alreadyNoded = false;
    func->walk([&](ValueOp) { alreadyNoded = true; });
    if (alreadyNoded)
      return; // idempotent
    FailureOr<GraphInfo> info =
        GraphInfo::analyze(*func, /*layers=*/*kind == pcc::Vertices::Layer);
    if (failed(info))
      return signalPassFailure();

    OpBuilder b(&getContext());
    int64_t vertex = 0;
    for (Operation *op : info->vertices) {
      op->setAttr("pc.vertex", b.getI64IntegerAttr(vertex));
      if (op == info->outputVertex) {
        op->setAttr("pc.output", b.getUnitAttr());
        ++vertex;
        continue;
      }
      Value mu = op->getResult(0);
      b.setInsertionPointAfter(op);
      auto value = b.create<ValueOp>(op->getLoc(), mu.getType(), mu,
                                     b.getI64IntegerAttr(vertex));
      auto error = b.create<ErrorOp>(op->getLoc(), value, mu);
      mu.replaceAllUsesExcept(value, SmallPtrSet<Operation *, 2>{value, error});
      ++vertex;
    }
  }
};
} // namespace
