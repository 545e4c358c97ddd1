//===- Compiler.h - the pcc compiler driver ---------------------*- C++ -*-===//
#ifndef PCC_TARGET_COMPILER_H
#define PCC_TARGET_COMPILER_H

#include "pcc/Target/Pipeline.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pcc {

enum class EmitKind { PC, PCTrain, Linalg, LLVMDialect, LLVMIR, Obj, Lib, Header, Onnx };

struct CompileOptions {
  std::string input, output;
  /// The ONNX model's bytes; when set, `input` is not read and only names
  /// the model in messages and in the default output name.
  std::optional<std::string> inputData;
  PCOptions pc;
  int64_t inferenceSteps = 20;
  /// --inference-rate; unset: the algorithm's default (initialInferenceRate).
  std::optional<double> inferenceRate;
  double learningRate = 1e-3;
  /// The nudge beta of --nudge-mode (run-time `nudge`); given: set by
  /// --nudge, which needs a mode.
  std::optional<double> nudge;
  int64_t batch = 0;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  std::vector<std::string> freeze;
  std::string modelOutput; // graph tensor compiled as the output; empty: the only one
  std::string checkpoint;  // --emit=onnx: the pcc_save_checkpoint file
  std::string prefix = "pcc";
  EmitKind emit = EmitKind::Lib;
  unsigned optLevel = 2;
  std::string mcpu, mtriple;
  std::string pccExecutable; // to find the runtime library
  std::string runtimeDir;    // where libpcc_runtime.a is; overrides the above
  bool timePasses = false;   // print where the compile spends its time
};

/// The library's initial run-time `nudge`: 0 without --nudge-mode, else
/// --nudge (0.1 when not given).
inline double initialNudge(const CompileOptions &o) {
  return o.pc.nudgeMode == NudgeMode::None ? 0.0 : o.nudge.value_or(0.1);
}

/// The library's initial run-time `inference_rate`: --inference-rate, else
/// the algorithm's default.
inline double initialInferenceRate(const CompileOptions &o) {
  return o.inferenceRate.value_or(defaultInferenceRate(o.pc.algorithm));
}

/// Compiles the model (`options.inputData`, or the file `options.input`)
/// into `options.output`. Returns 0, or 1 with a one-line `error`; on
/// failure no output file is left behind. Reentrant and thread-safe: every
/// call has its own MLIR context and temporary directory, the pass
/// pipelines are built without the global pass registry, and the
/// in-process link (lld) runs one at a time. Needs no C compiler.
int compile(const CompileOptions &options, std::string &error);

/// Sets the option of driver flag `flag` (its name without dashes, e.g.
/// "inference-steps"; list flags such as "freeze" and "input-shape" add one
/// value per call) from its command-line text. Returns 0, or 1 with an
/// `error` naming the flag and the value.
int setFlag(CompileOptions &options, const std::string &flag,
            const std::string &value, std::string &error);

/// The flags setFlag knows, null-terminated.
extern const char *const kCompileFlags[];

} // namespace pcc

#endif
