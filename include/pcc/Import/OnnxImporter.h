//===- OnnxImporter.h - ONNX to the pc dialect -----------------*- C++ -*-===//
#ifndef PCC_IMPORT_ONNXIMPORTER_H
#define PCC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include <string>

namespace pcc {

struct ImportOptions {
  /// When positive, replaces the batch (first) dimension of every input.
  int64_t batch = 0;
  /// The graph tensor that is the model output; empty: the graph's only
  /// output.
  std::string output;
};

/// Imports an ONNX model into a module holding one `pc.graph` function:
/// model inputs then initializers (trainable parameters, in ONNX order) as
/// arguments, with `pc.name`, `pc.role` and, for parameters, `pc.init`.
/// On failure returns null and sets `error` to one line naming the problem.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 const std::string &path,
                                                 const ImportOptions &options,
                                                 std::string &error);

/// The ONNX operators the importer accepts, comma-separated.
const char *supportedOnnxOperators();

} // namespace pcc

#endif
