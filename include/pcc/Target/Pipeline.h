//===- Pipeline.h - pcc's pass pipelines and code generation ---*- C++ -*-===//
#ifndef PCC_TARGET_PIPELINE_H
#define PCC_TARGET_PIPELINE_H

#include <cstdint>
#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace pcc {

struct PCOptions {
  std::string algorithm = "il";
  std::string loss = "mse";
  std::string lossReduction = "mean"; // the batch: mean or sum of the losses
  std::string vertices = "op"; // op: every op a vertex; layer: f(Wx + b) one
  std::string nudgeMode =
      "none"; // il, epc, ipc: none, positive, negative, centered
  std::string optimizer = "adam";    // ipc's in-loop optimizer: sgd or adam
  std::string schedule = "parallel"; // fpa: parallel or reverse
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
