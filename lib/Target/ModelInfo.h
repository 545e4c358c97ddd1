//===- ModelInfo.h - what the emitted library needs to know ----*- C++ -*-===//
#ifndef PCC_LIB_TARGET_MODELINFO_H
#define PCC_LIB_TARGET_MODELINFO_H

#include "pcc/Target/Compiler.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace pcc {

struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;
  bool trainable = true; // parameters only
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

struct ModelInfo {
  std::vector<TensorInfo> inputs, params, states;
  std::vector<float> initData;  // all parameters, concatenated
  std::vector<float> stateData; // all state (running estimates), concatenated
  TensorInfo output;
  /// >0: steps the algorithm always runs (zil); -1: none (bp); 0: run time.
  int64_t fixedSteps = 0;
  /// The longest distance of a vertex to the output, in vertices.
  int64_t depth = 0;
  /// Whether the library has pcc_query, and the hidden tensors it can
  /// clamp (by ONNX name), in the kernel's argument order.
  bool queries = false;
  std::vector<TensorInfo> hidden;
};

/// The library's glue in `kernels`' context: the exported ABI under
/// `options.prefix`, the tables and initial values the runtime reads, and
/// adapters to the kernels' expanded memref arguments (checked against
/// `kernels`). Returns null with a one-line `error`.
std::unique_ptr<llvm::Module> buildGlueModule(const ModelInfo &info,
                                              const CompileOptions &options,
                                              const llvm::Module &kernels,
                                              std::string &error);

/// The functions the glue exports (every other symbol stays local).
std::vector<std::string> exportedFunctions(const llvm::Module &glue);

/// Links `objects`, pcc's runtime and the C library into the shared library
/// `options.output`, in process (lld), exporting only `exports`. The file is
/// replaced, never rewritten in place, and is left untouched on failure.
int linkLibrary(const CompileOptions &options,
                const std::vector<std::string> &objects,
                const std::vector<std::string> &exports, std::string &error);

/// A C header declaring the prefixed ABI and the model's shapes.
std::string headerText(const ModelInfo &info, const CompileOptions &options);

/// The JSON that `pcc_signature` returns.
std::string signatureJson(const ModelInfo &info, const CompileOptions &options);

} // namespace pcc

#endif
