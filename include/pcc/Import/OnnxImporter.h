//===- OnnxImporter.h - ONNX to the pc dialect -----------------*- C++ -*-===//
#ifndef PCC_IMPORT_ONNXIMPORTER_H
#define PCC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pcc {

struct ImportOptions {
  /// When positive, replaces the batch (first) dimension of every input; the
  /// inputs must agree on dimension 0 and the output must keep it.
  int64_t batch = 0;
  /// Static shapes of named inputs (override the model and `batch`).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Initializers that stay at their values (not trained).
  std::vector<std::string> freeze;
  /// The graph tensor that is the model output; empty: the graph's only
  /// output.
  std::string output;
};

/// Imports an ONNX model into a module holding one `pc.graph` function:
/// model inputs, then parameters (float initializers read as tensors, in
/// ONNX initializer order, each followed by the Identity aliases PyTorch
/// made of it), then state (running estimates) as arguments, with
/// `pc.name`, `pc.role` ("input", "param", "frozen" or "state") and, for
/// all but inputs, `pc.init`.
/// On failure returns null and sets `error` to one line naming the problem.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 const std::string &path,
                                                 const ImportOptions &options,
                                                 std::string &error);

/// The same for a model given as its bytes (`data`), or read from `path`
/// when `data` is not set; `path` names the model in messages.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnx(mlir::MLIRContext &context, const std::string &path,
           const std::optional<std::string> &data,
           const ImportOptions &options, std::string &error);

/// Writes `onnxPath`'s model to `outPath` with the parameters and states of
/// a checkpoint (pcc_save_checkpoint) as its initializers; an Identity
/// alias pcc trained as its own parameter becomes its own initializer.
/// `onnxData`, when set, is the model's bytes (`onnxPath` then names it).
/// Returns 0, or 1 with a one-line `error`.
int exportOnnxWithCheckpoint(const std::string &onnxPath,
                             const std::optional<std::string> &onnxData,
                             const std::string &checkpointPath,
                             const std::string &outPath, std::string &error);

/// The ONNX operators the importer accepts, comma-separated.
const char *supportedOnnxOperators();

} // namespace pcc

#endif
