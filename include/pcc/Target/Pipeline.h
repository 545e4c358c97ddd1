//===- Pipeline.h - pcc's pass pipelines and code generation ---*- C++ -*-===//
#ifndef PCC_TARGET_PIPELINE_H
#define PCC_TARGET_PIPELINE_H

#include "pcc/Training.h"

#include <cstdint>
#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace pcc {

struct PCOptions {
  Algorithm algorithm = Algorithm::IL;
  Loss loss = Loss::MSE;
  LossReduction lossReduction = LossReduction::Mean; // of the batch's losses
  Vertices vertices = Vertices::Op;      // layer: f(W x + b) one vertex
  NudgeMode nudgeMode = NudgeMode::None; // takesNudge algorithms
  /// The runtime's optimizer, and ipc's, which is built into the loop.
  Optimizer optimizer = Optimizer::Adam;
  Schedule schedule = Schedule::Parallel; // reverse: fpa only
  bool queries = false; // also build pcc_query (pcc_infer, pcc_train_query)
};

/// pc-insert-nodes, pc-build-training, then clean-up and hoisting of what
/// does not change across inference steps.
void buildPCPipeline(mlir::OpPassManager &pm, const PCOptions &options);

/// pc-to-linalg and tensor-level clean-up.
void buildLinalgPipeline(mlir::OpPassManager &pm);

/// From linalg on tensors to the LLVM dialect: entry points, bufferization,
/// deallocation, runtime GEMM calls, loops, LLVM.
void buildLLVMPipeline(mlir::OpPassManager &pm, const std::string &prefix);

/// Every dialect, interface and translation pcc's pipelines need.
void registerPCCDialects(mlir::DialectRegistry &registry);

/// Registers the pcc passes and the pipelines above with the global
/// registry (`pcc-pc`, `pcc-linalg`, `pcc-llvm`), for pcc-opt.
void registerPCCPasses();

} // namespace pcc

#endif
