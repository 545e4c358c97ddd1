//===- ModelInfo.h - what the emitted library needs to know ----*- C++ -*-===//
#ifndef PCC_LIB_TARGET_MODELINFO_H
#define PCC_LIB_TARGET_MODELINFO_H

#include "pcc/Target/Compiler.h"

#include <cstdint>
#include <string>
#include <vector>

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
};

/// The C glue, the initial values and the link step that turn the kernel
/// objects into `options.output`.
int writeLibrary(const ModelInfo &info, const CompileOptions &options,
                 const std::vector<std::string> &objects, std::string &error);

/// A C header declaring the prefixed ABI and the model's shapes.
std::string headerText(const ModelInfo &info, const CompileOptions &options);

/// The JSON that `pcc_signature` returns.
std::string signatureJson(const ModelInfo &info, const CompileOptions &options);

} // namespace pcc

#endif
