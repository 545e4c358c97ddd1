//===- ImportFuzzer.cpp - the ONNX importer and the PC passes under fuzzing ===//
//
// One input is the bytes of an ONNX model: it is imported into the pc
// dialect and, when that succeeds, run through the predictive-coding passes
// (the algorithm chosen by the input's size, so that all four are
// exercised). Errors are the expected outcome for most inputs; a crash, an
// abort, a hang or a leak is a bug. Built as a libFuzzer target
// (pcc-import-fuzzer, scripts/fuzz.sh) and as a replay tool
// (pcc-fuzz-replay) that the test suite runs over the corpus and every
// crash found so far.
//
//===----------------------------------------------------------------------===//
#include "pcc/Import/OnnxImporter.h"
#include "pcc/Target/Pipeline.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <string>

namespace {

/// One context for many inputs (creating one costs more than most inputs),
/// renewed now and then so that what it interns does not pile up.
class FuzzContext {
public:
  FuzzContext() { pcc::registerPCCDialects(registry); }
  mlir::MLIRContext &get() {
    if (!context || ++uses > 1000) {
      context = std::make_unique<mlir::MLIRContext>(registry);
      context->disableMultithreading();
      // Diagnostics are the normal result; keep them off stderr.
      context->getDiagEngine().registerHandler(
          [](mlir::Diagnostic &) { return mlir::success(); });
      uses = 0;
    }
    return *context;
  }

private:
  mlir::DialectRegistry registry;
  std::unique_ptr<mlir::MLIRContext> context;
  int uses = 0;
};

} // namespace

int pccFuzzOneInput(const uint8_t *data, size_t size) {
  static FuzzContext *contexts = new FuzzContext();
  mlir::MLIRContext &context = contexts->get();
  std::string error;
  pcc::ImportOptions options;
  mlir::OwningOpRef<mlir::ModuleOp> module = pcc::importOnnx(
      context, "<fuzz input>",
      std::string(reinterpret_cast<const char *>(data), size), options, error);
  // PCC_FUZZ_VERBOSE=1: say what became of each input (replaying a crash).
  static const bool verbose = std::getenv("PCC_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    llvm::errs() << (module ? std::string("imported") : "refused: " + error)
                 << "\n";
  if (!module)
    return 0;
  const auto &algorithms = pcc::Names<pcc::Algorithm>::table;
  pcc::PCOptions pc;
  pc.algorithm = algorithms[size % std::size(algorithms)].first;
  pc.loss = size % 8 < 4 ? pcc::Loss::MSE : pcc::Loss::CE;
  mlir::PassManager pm(&context);
  pcc::buildPCPipeline(pm, pc);
  bool passed = succeeded(pm.run(*module));
  if (verbose)
    llvm::errs() << (passed ? "  PC passes ran\n" : "  PC passes failed\n");
  return 0;
}

#ifdef PCC_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return pccFuzzOneInput(data, size);
}
#endif
