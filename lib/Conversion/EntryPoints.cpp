//===- EntryPoints.cpp - destination-passing memref ABI for entries -------===//
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCENTRYPOINTS
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;

namespace {

MemRefType memrefFor(Type t) {
  auto tensor = cast<RankedTensorType>(t);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

struct EntryPointsPass : mlir::pc::impl::PCEntryPointsBase<EntryPointsPass> {
  using PCEntryPointsBase::PCEntryPointsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> entries;
    for (auto f : module.getOps<func::FuncOp>())
      if (f->hasAttr("pc.entry"))
        entries.push_back(f);
    for (func::FuncOp f : entries)
      if (failed(rewrite(f)))
        return signalPassFailure();
  }

  LogicalResult rewrite(func::FuncOp f) {
    OpBuilder b(f);
    SmallVector<Type> args;
    for (Type t : f.getArgumentTypes())
      args.push_back(isa<RankedTensorType>(t) ? Type(memrefFor(t)) : t);
    for (Type t : f.getResultTypes()) {
      if (!isa<RankedTensorType>(t))
        return f.emitError("entry results must be tensors");
      args.push_back(memrefFor(t));
    }
    StringRef base = f.getSymName();
    base.consume_front("pcc_");
    std::string name = prefix + "_kernel_" + base.str();
    auto entry = b.create<func::FuncOp>(f.getLoc(), name,
                                        b.getFunctionType(args, {}));
    entry->setAttr("pc.kernel", b.getUnitAttr());
    if (Attribute alg = f->getAttr("pc.algorithm"))
      entry->setAttr("pc.algorithm", alg);
    Block *body = entry.addEntryBlock();
    b.setInsertionPointToStart(body);

    IRMapping map;
    for (auto [i, arg] : llvm::enumerate(f.getArguments())) {
      Value v = body->getArgument(i);
      if (auto t = dyn_cast<RankedTensorType>(arg.getType()))
        v = b.create<bufferization::ToTensorOp>(f.getLoc(), t, v,
                                                b.getUnitAttr(), UnitAttr());
      map.map(arg, v);
    }
    Block &old = f.getBody().front();
    for (Operation &op : old.without_terminator())
      b.clone(op, map);
    auto ret = cast<func::ReturnOp>(old.getTerminator());
    for (auto [i, r] : llvm::enumerate(ret.getOperands())) {
      Value dest = body->getArgument(f.getNumArguments() + i);
      auto mat = b.create<bufferization::MaterializeInDestinationOp>(
          f.getLoc(), map.lookup(r), dest);
      mat.setRestrict(true);
      mat.setWritable(true);
    }
    b.create<func::ReturnOp>(f.getLoc());
    f.erase();
    return success();
  }
};
} // namespace
