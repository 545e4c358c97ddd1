//===- GraphInfo.h - vertices of a pc.graph function -----------*- C++ -*-===//
#ifndef PCC_LIB_TRANSFORMS_GRAPHINFO_H
#define PCC_LIB_TRANSFORMS_GRAPHINFO_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::pc {

/// The roles of the values in a function marked `pc.graph`: which ops are
/// vertices (computations fed, directly or not, by a model input), which are
/// wiring between them (data movement fed by an input: no value node), which
/// are parameter expressions (fed only by parameters, state and constants),
/// and which vertex produces the output.
struct GraphInfo {
  func::FuncOp func;
  SmallVector<BlockArgument> inputs;
  /// The library's parameters (trainable and frozen), and its state.
  SmallVector<BlockArgument> params, states;
  /// Trainable parameters and the parameter expressions that depend on one:
  /// where gradients flow.
  llvm::DenseSet<Value> trainable;
  SmallVector<Operation *> vertices;   // topological order
  SmallVector<Operation *> activeOps;  // vertices and wiring, topological
  SmallVector<Operation *> paramExprs; // topological order
  llvm::DenseSet<Value> activity;      // values that depend on an input
  Operation *outputVertex = nullptr;

  /// Fails with a diagnostic naming the offending op. With `layers`, an op
  /// whose single reader is a layer tail (PC_LayerTail) reading no other
  /// activity joins that reader's vertex when the op is parameterised or is
  /// a tail that the op before it joined: a layer f(W x + b) is one vertex.
  /// The op
  /// is then wiring here (no value node, re-evaluated from the values it
  /// reads). A graph whose value nodes are already in place keeps them
  /// (an op with a value node has more than one reader).
  static FailureOr<GraphInfo> analyze(func::FuncOp func, bool layers = false);

  /// Whether `op` (one of activeOps) is wiring rather than a vertex.
  bool isWiring(Operation *op) const { return wiring.contains(op); }

private:
  void groupLayers();

  llvm::DenseSet<Operation *> wiring;
};

/// The function marked `pc.graph` in `module`, or an error.
FailureOr<func::FuncOp> findGraphFunction(ModuleOp module);

/// `pc.role` of a function argument ("input", "param", "frozen" or
/// "state").
StringRef argRole(func::FuncOp func, unsigned index);

} // namespace mlir::pc

#endif
