//===- Pipeline.cpp - pcc's pass pipelines
//---------------------------------===//
#include "pcc/Target/Pipeline.h"
#include "pc/PCOps.h"
#include "pcc/Conversion/Passes.h"
#include "pcc/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

using namespace mlir;

namespace {
/// Stands in for a pipeline that did not parse: fails the run with the
/// parser's message, so that an embedding process gets an error instead of
/// an abort.
struct InvalidPipelinePass : PassWrapper<InvalidPipelinePass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InvalidPipelinePass)
  explicit InvalidPipelinePass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const override { return "pcc-invalid-pipeline"; }
  void runOnOperation() override {
    getOperation()->emitError("pcc: invalid internal pass pipeline: ")
        << message;
    signalPassFailure();
  }
  std::string message;
};
} // namespace

static void addTextual(OpPassManager &pm, StringRef pipeline) {
  // The pipelines are fixed strings: a parse failure is a bug in pcc.
  std::string message;
  llvm::raw_string_ostream os(message);
  OpPassManager parsed(pm.getOpAnchorName(), pm.getNesting());
  if (failed(parsePassPipeline(pipeline, parsed, os))) {
    pm.addPass(std::make_unique<InvalidPipelinePass>(os.str()));
    return;
  }
  if (failed(parsePassPipeline(pipeline, pm, os)))
    pm.addPass(std::make_unique<InvalidPipelinePass>(os.str()));
}

void pcc::buildPCPipeline(OpPassManager &pm, const PCOptions &options) {
  pm.addPass(pc::createPCInsertNodes());
  pc::PCBuildTrainingOptions build;
  build.algorithm = options.algorithm;
  build.loss = options.loss;
  pm.addPass(pc::createPCBuildTraining(build));
  // Everything whose inputs are fixed during relaxation (for example the
  // prediction of a vertex whose parents are all clamped) leaves the loop.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createCSEPass());
  // Hoisted predictions that equal their forward values have zero drift.
  pm.addPass(createCanonicalizerPass());
}

void pcc::buildLinalgPipeline(OpPassManager &pm) {
  pm.addPass(pc::createPCToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Elementwise chains fuse into one loop nest where nothing is
  // recomputed (single-use producers read through permutations).
  pm.addPass(pc::createPCFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(pc::createPCUpdateCarriedInPlace());
}

void pcc::buildLLVMPipeline(OpPassManager &pm, const std::string &prefix) {
  addTextual(pm, "pc-entry-points{prefix=" + prefix + "}");
  // Not eliminate-empty-tensors: with it, some bp gradients of the branching
  // gradient fixtures came out wrong (cause not yet found); it would only
  // save the final copies into the caller's buffers.
  // use-generic-functions: buffers come from the runtime's per-thread cache
  // (BufferCache.c), not straight from malloc/free. pc-outline-kernels makes
  // every linalg op a shared, no_inline kernel: LLVM then optimises many
  // small functions, not one huge one. pc-insert-chains-to-buffers keeps
  // long concatenations out of one-shot-bufferize's cubic alias analysis.
  addTextual(
      pm, "pc-insert-chains-to-buffers,"
          "one-shot-bufferize{bufferize-function-boundaries "
          "function-boundary-type-conversion=identity-layout-map "
          "allow-return-allocs-from-loops},"
          "buffer-deallocation-pipeline,canonicalize,"
          "pc-strided-copies-to-linalg,"
          "pc-matmul-to-runtime,"
          "pc-outline-kernels{prefix=" +
              prefix +
              "},"
              "func.func(convert-linalg-to-loops),pc-approximate-math,"
              "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
              "convert-math-to-llvm,convert-math-to-libm,"
              "convert-arith-to-llvm,"
              "finalize-memref-to-llvm{use-generic-functions},"
              "convert-func-to-llvm,convert-cf-to-llvm,convert-index-to-llvm,"
              "reconcile-unrealized-casts");
}

void pcc::registerPCCDialects(DialectRegistry &registry) {
  registry.insert<pc::PCDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

void pcc::registerPCCPasses() {
  registerAllPasses();
  pc::registerPCTransformsPasses();
  pc::registerPCConversionPasses();
  static PassPipelineRegistration<> pcPipeline(
      "pcc-pc", "pcc's predictive-coding pipeline (il, mse)",
      [](OpPassManager &pm) { buildPCPipeline(pm, PCOptions()); });
  static PassPipelineRegistration<> linalgPipeline(
      "pcc-linalg", "pcc's lowering to linalg on tensors",
      [](OpPassManager &pm) { buildLinalgPipeline(pm); });
  static PassPipelineRegistration<> llvmPipeline(
      "pcc-llvm", "pcc's lowering from linalg on tensors to the LLVM dialect",
      [](OpPassManager &pm) { buildLLVMPipeline(pm, "pcc"); });
}
