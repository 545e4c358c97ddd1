//===- GraphInfo.cpp - vertices of a pc.graph function --------------------===//
#include "GraphInfo.h"

#include "pc/PCOps.h"

using namespace mlir;
using namespace mlir::pc;

FailureOr<func::FuncOp> mlir::pc::findGraphFunction(ModuleOp module) {
  func::FuncOp found;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func->hasAttr("pc.graph"))
      continue;
    if (found)
      return func.emitError("more than one function is marked pc.graph");
    found = func;
  }
  if (!found)
    return module.emitError("no function is marked pc.graph");
  return found;
}

StringRef mlir::pc::argRole(func::FuncOp func, unsigned index) {
  if (auto role = func.getArgAttrOfType<StringAttr>(index, "pc.role"))
    return role.getValue();
  return "";
}

void GraphInfo::groupLayers() {
  // Parameters (trainable or frozen) and the expressions computed from them.
  llvm::DenseSet<Value> parameters(params.begin(), params.end());
  for (Operation *op : paramExprs)
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return parameters.contains(v); }))
      parameters.insert(op->result_begin(), op->result_end());
  Operation *output = outputVertex;
  llvm::DenseSet<Operation *> headed, joined;
  for (Operation *op : vertices) {
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return parameters.contains(v); }))
      headed.insert(op);
    if (op == output || !headed.contains(op) || !op->hasOneUse())
      continue;
    Operation *reader = *op->getUsers().begin();
    if (!reader->hasTrait<LayerTail>() || reader->getNumResults() != 1 ||
        !activity.contains(reader->getResult(0)))
      continue;
    // The reader's only activity is this op (once): a residual sum of two
    // branches is a vertex of its own.
    if (llvm::count_if(reader->getOperands(),
                       [&](Value v) { return activity.contains(v); }) != 1)
      continue;
    joined.insert(op);
    headed.insert(reader);
  }
  if (joined.empty())
    return;
  for (Operation *op : joined)
    wiring.insert(op);
  llvm::erase_if(vertices, [&](Operation *op) { return joined.contains(op); });
}

FailureOr<GraphInfo> GraphInfo::analyze(func::FuncOp func, bool layers) {
  GraphInfo info;
  info.func = func;
  if (!func.getBody().hasOneBlock())
    return func.emitError("graph function must have a single block");
  for (BlockArgument arg : func.getArguments()) {
    StringRef role = argRole(func, arg.getArgNumber());
    if (role == "input") {
      info.inputs.push_back(arg);
      info.activity.insert(arg);
    } else if (role == "param" || role == "frozen") {
      info.params.push_back(arg);
      if (role == "param")
        info.trainable.insert(arg);
    } else if (role == "state") {
      info.states.push_back(arg);
    } else {
      return func.emitError("argument #")
             << arg.getArgNumber()
             << " has no pc.role of input, param, frozen or state";
    }
  }
  if (info.inputs.empty())
    return func.emitError("graph has no input");

  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (ret.getNumOperands() != 1)
    return ret.emitError("graph must have exactly one output, has ")
           << ret.getNumOperands();
  Value output = ret.getOperand(0);

  for (Operation &op : func.getBody().front().without_terminator()) {
    bool fedByInput = llvm::any_of(
        op.getOperands(), [&](Value v) { return info.activity.contains(v); });
    if (!fedByInput) {
      info.paramExprs.push_back(&op);
      if (llvm::any_of(op.getOperands(),
                       [&](Value v) { return info.trainable.contains(v); }))
        for (Value r : op.getResults())
          info.trainable.insert(r);
      continue;
    }
    if (isa<ValueOp, ErrorOp>(op)) {
      // Value and error nodes pass activity through to their results.
      for (Value r : op.getResults())
        info.activity.insert(r);
      continue;
    }
    if (!isa<LocalDerivativeOpInterface>(op) || op.getNumResults() != 1)
      return op.emitOpError("cannot be a predictive-coding vertex: it has no "
                            "local derivatives");
    info.activeOps.push_back(&op);
    if (op.hasTrait<Wiring>() && op.getResult(0) != output)
      info.wiring.insert(&op);
    else
      info.vertices.push_back(&op);
    info.activity.insert(op.getResult(0));
  }
  Operation *def = output.getDefiningOp();
  if (!def || !info.activity.contains(output) || isa<ValueOp>(def))
    return ret.emitError("graph output must be computed from an input by a "
                         "graph op");
  info.outputVertex = def;
  for (Operation *user : output.getUsers())
    if (!isa<func::ReturnOp, ErrorOp>(user))
      return user->emitOpError("reads the graph output; the output vertex "
                               "must not feed other vertices");
  if (layers)
    info.groupLayers();
  return info;
}
