//===- Pipeline.cpp - pcc's pass pipelines --------------------------------===//
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
using pcc::nameOf;
using pcc::PCOptions;

namespace {
/// Stands in for a pass whose options did not parse (a bug in pcc): fails
/// the run with the parser's message, so that an embedding process gets an
/// error instead of an abort.
struct InvalidOptionsPass : PassWrapper<InvalidOptionsPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InvalidOptionsPass)
  explicit InvalidOptionsPass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const override { return "pcc-invalid-options"; }
  void runOnOperation() override {
    getOperation()->emitError("pcc: invalid internal pass options: ")
        << message;
    signalPassFailure();
  }
  std::string message;
};

/// One-shot bufferization as pcc uses it, configured through the pass's own
/// options so that it matches `pcc-opt -one-shot-bufferize{...}`.
std::unique_ptr<Pass> createBufferizePass() {
  std::unique_ptr<Pass> pass = bufferization::createOneShotBufferizePass();
  std::string message;
  if (failed(pass->initializeOptions(
          "bufferize-function-boundaries "
          "function-boundary-type-conversion=identity-layout-map "
          "allow-return-allocs-from-loops",
          [&](const Twine &msg) {
            message = msg.str();
            return failure();
          })))
    return std::make_unique<InvalidOptionsPass>(message);
  return pass;
}
} // namespace

/// The PC passes with their textual options (the passes parse them with
/// pcc/Training.h's tables and report a bad one), then the clean-up.
static void addPCPasses(OpPassManager &pm,
                        const pc::PCInsertNodesOptions &nodes,
                        const pc::PCBuildTrainingOptions &build) {
  pm.addPass(pc::createPCInsertNodes(nodes));
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

void pcc::buildPCPipeline(OpPassManager &pm, const PCOptions &options) {
  pc::PCInsertNodesOptions nodes;
  nodes.vertices = nameOf(options.vertices);
  pc::PCBuildTrainingOptions build;
  build.algorithm = nameOf(options.algorithm);
  build.loss = nameOf(options.loss);
  build.reduction = nameOf(options.lossReduction);
  build.queries = options.queries;
  build.nudgeMode = nameOf(options.nudgeMode);
  build.schedule = nameOf(options.schedule);
  build.optimizer = nameOf(options.optimizer);
  addPCPasses(pm, nodes, build);
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
  // Built from pass constructors, not parsed from text: compiling needs no
  // global pass registration.
  pm.addPass(pc::createPCEntryPoints(pc::PCEntryPointsOptions{prefix}));
  // pc-insert-chains-to-buffers keeps long concatenations out of
  // one-shot-bufferize's cubic alias analysis. Not eliminate-empty-tensors:
  // it is correct after pc-split-shared-empty-tensors (without it, MLIR 19
  // rewrote every user of a CSE-shared tensor.empty and unrelated gradients
  // shared a buffer: 15 wrong bp fixture gradients), but it saves only the
  // final copies into the caller's buffers and the MLP benchmark was not
  // faster with it (bp slower by 5-16 % in three interleaved runs).
  pm.addPass(pc::createPCInsertChainsToBuffers());
  pm.addPass(createBufferizePass());
  bufferization::buildBufferDeallocationPipeline(
      pm, bufferization::BufferDeallocationPipelineOptions());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(pc::createPCStridedCopiesToLinalg());
  pm.addPass(pc::createPCMatmulToRuntime());
  // Every linalg op becomes a shared, no_inline kernel: LLVM then optimises
  // many small functions, not one huge one.
  pm.addPass(pc::createPCOutlineKernels(pc::PCOutlineKernelsOptions{prefix}));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(pc::createPCApproximateMath());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  // use-generic-functions: buffers come from the runtime's per-thread cache
  // (BufferCache.c), not straight from malloc/free.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void pcc::registerPCCDialects(DialectRegistry &registry) {
  registry.insert<pc::PCDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

namespace {
/// The options of pcc-opt's `-pcc-pc` and `-pcc-llvm`: the driver's
/// --algorithm, --loss, --loss-reduction, --vertices, --nudge-mode,
/// --schedule, --optimizer and --prefix, so that
/// pcc-opt runs what pcc runs.
struct PCPipelineOptions : PassPipelineOptions<PCPipelineOptions> {
  Option<std::string> algorithm{*this, "algorithm",
                                llvm::cl::desc("il, fpa, zil, bp, epc or ipc"),
                                llvm::cl::init(nameOf(PCOptions().algorithm))};
  Option<std::string> loss{*this, "loss", llvm::cl::desc("mse or ce"),
                           llvm::cl::init(nameOf(PCOptions().loss))};
  Option<std::string> lossReduction{
      *this, "loss-reduction", llvm::cl::desc("mean or sum"),
      llvm::cl::init(nameOf(PCOptions().lossReduction))};
  Option<std::string> vertices{*this, "vertices", llvm::cl::desc("op or layer"),
                               llvm::cl::init(nameOf(PCOptions().vertices))};
  Option<std::string> nudgeMode{
      *this, "nudge-mode",
      llvm::cl::desc("il, epc, ipc: none, positive, negative or centered"),
      llvm::cl::init(nameOf(PCOptions().nudgeMode))};
  Option<std::string> optimizer{*this, "optimizer",
                                llvm::cl::desc("ipc: sgd or adam"),
                                llvm::cl::init(nameOf(PCOptions().optimizer))};
  Option<std::string> schedule{*this, "schedule",
                               llvm::cl::desc("fpa: parallel or reverse"),
                               llvm::cl::init(nameOf(PCOptions().schedule))};
};
struct LLVMPipelineOptions : PassPipelineOptions<LLVMPipelineOptions> {
  Option<std::string> prefix{*this, "prefix",
                             llvm::cl::desc("prefix of the exported symbols"),
                             llvm::cl::init("pcc")};
};
} // namespace

void pcc::registerPCCPasses() {
  registerAllPasses();
  pc::registerPCTransformsPasses();
  pc::registerPCConversionPasses();
  static PassPipelineRegistration<PCPipelineOptions> pcPipeline(
      "pcc-pc",
      "pcc's predictive-coding pipeline (options: algorithm, loss, "
      "loss-reduction, vertices, nudge-mode, schedule, optimizer; default "
      "il, mse, mean, op, none, parallel, adam)",
      [](OpPassManager &pm, const PCPipelineOptions &o) {
        pc::PCInsertNodesOptions nodes;
        nodes.vertices = o.vertices;
        pc::PCBuildTrainingOptions build;
        build.algorithm = o.algorithm;
        build.loss = o.loss;
        build.reduction = o.lossReduction;
        build.nudgeMode = o.nudgeMode;
        build.schedule = o.schedule;
        build.optimizer = o.optimizer;
        addPCPasses(pm, nodes, build);
      });
  static PassPipelineRegistration<> linalgPipeline(
      "pcc-linalg", "pcc's lowering to linalg on tensors",
      [](OpPassManager &pm) { buildLinalgPipeline(pm); });
  static PassPipelineRegistration<LLVMPipelineOptions> llvmPipeline(
      "pcc-llvm",
      "pcc's lowering from linalg on tensors to the LLVM dialect (option: "
      "prefix; default pcc)",
      [](OpPassManager &pm, const LLVMPipelineOptions &o) {
        buildLLVMPipeline(pm, o.prefix);
      });
}
