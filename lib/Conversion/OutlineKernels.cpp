//===- OutlineKernels.cpp - linalg ops on buffers into shared kernels ----===//
//
// Every linalg op of an entry function becomes a call to a private,
// no_inline function that holds only that op. Kernels are keyed by their
// printed body (op, attributes, operand types, region), so identical ops
// anywhere in the model share one function and one compiled body.
//
//===----------------------------------------------------------------------===//
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCOUTLINEKERNELS
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;

namespace {

/// Copies the constants `op`'s regions read from outside into the regions,
/// so that they are part of the kernel's body (and of its key) rather than
/// arguments.
void sinkConstants(Operation *op) {
  for (Region &region : op->getRegions()) {
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(region, above);
    OpBuilder b(op->getContext());
    b.setInsertionPointToStart(&region.front());
    for (Value v : above) {
      Operation *def = v.getDefiningOp();
      if (!def || !def->hasTrait<OpTrait::ConstantLike>())
        continue;
      Operation *copy = b.clone(*def);
      replaceAllUsesInRegionWith(v, copy->getResult(0), region);
    }
  }
}

struct OutlineKernelsPass
    : mlir::pc::impl::PCOutlineKernelsBase<OutlineKernelsPass> {
  using PCOutlineKernelsBase::PCOutlineKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    for (auto f : module.getOps<func::FuncOp>())
      if (f->hasAttr("pc.kernel"))
        f.walk([&](linalg::LinalgOp op) {
          if (op.hasPureBufferSemantics())
            ops.push_back(op);
        });

    OpBuilder b(module.getContext());
    llvm::StringMap<func::FuncOp> kernels;
    unsigned next = 0;
    for (Operation *op : ops) {
      sinkConstants(op);
      SmallVector<Value> args(op->getOperands());
      llvm::SetVector<Value> above;
      for (Region &region : op->getRegions())
        getUsedValuesDefinedAbove(region, above);
      args.append(above.begin(), above.end());

      // The candidate kernel, named by its key until it is kept.
      SmallVector<Type> types;
      for (Value v : args)
        types.push_back(v.getType());
      b.setInsertionPointToEnd(module.getBody());
      auto kernel = b.create<func::FuncOp>(op->getLoc(), "kernel",
                                           b.getFunctionType(types, {}));
      Block *body = kernel.addEntryBlock();
      b.setInsertionPointToStart(body);
      IRMapping map;
      map.map(args, body->getArguments());
      b.clone(*op, map);
      b.create<func::ReturnOp>(op->getLoc());

      std::string key;
      llvm::raw_string_ostream os(key);
      kernel.print(os, OpPrintingFlags().printGenericOpForm().useLocalScope());
      auto [it, inserted] = kernels.try_emplace(key, kernel);
      if (inserted) {
        kernel.setSymName((prefix + "_op" + Twine(next++)).str());
        kernel.setPrivate();
        kernel->setAttr("no_inline", b.getUnitAttr());
      } else {
        kernel.erase();
      }
      b.setInsertionPoint(op);
      b.create<func::CallOp>(op->getLoc(), it->second, args);
      op->erase();
    }
  }
};

} // namespace
