//===- Compiler.cpp - ONNX file to emitted artefact ------------------------===//
#include "ModelInfo.h"
#include "pcc/Import/OnnxImporter.h"
#include "pcc/Target/Compiler.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>
#include <thread>

using namespace mlir;

namespace {

/// Collects the first error diagnostic as one line naming its location.
struct FirstError {
  std::string message;
  ScopedDiagnosticHandler handler;
  explicit FirstError(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &d) {
          if (d.getSeverity() != DiagnosticSeverity::Error || !message.empty())
            return success();
          std::string where;
          if (auto name = dyn_cast<NameLoc>(d.getLocation())) {
            // An op computing a node's output: NameLoc(tensor, NameLoc(node)).
            if (auto node = dyn_cast<NameLoc>(name.getChildLoc()))
              name = node;
            where = "node '" + name.getName().str() + "': ";
          }
          message = where + d.str();
          std::replace(message.begin(), message.end(), '\n', ' ');
          return success();
        }) {}
};

pcc::TensorInfo tensorInfo(std::string name, Type type) {
  auto t = cast<RankedTensorType>(type);
  return {std::move(name), std::vector<int64_t>(t.getShape().begin(),
                                                t.getShape().end())};
}

pcc::ModelInfo collectModelInfo(ModuleOp module) {
  pcc::ModelInfo info;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func->hasAttr("pc.graph"))
      continue;
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      auto name = func.getArgAttrOfType<StringAttr>(i, "pc.name");
      auto roleAttr = func.getArgAttrOfType<StringAttr>(i, "pc.role");
      StringRef role = roleAttr ? roleAttr.getValue() : "input";
      pcc::TensorInfo t =
          tensorInfo(name ? name.str() : "", func.getArgument(i).getType());
      if (role == "input") {
        info.inputs.push_back(std::move(t));
        continue;
      }
      auto init = func.getArgAttrOfType<DenseElementsAttr>(i, "pc.init");
      std::vector<float> &data = role == "state" ? info.stateData : info.initData;
      for (float v : init.getValues<float>())
        data.push_back(v);
      t.trainable = role == "param";
      (role == "state" ? info.states : info.params).push_back(std::move(t));
    }
    auto outName = func.getResultAttrOfType<StringAttr>(0, "pc.name");
    info.output =
        tensorInfo(outName ? outName.str() : "output", func.getResultTypes()[0]);
  }
  return info;
}

/// Writes `text` to `path` ("-" is stdout); keeps the file only on success.
int writeText(const std::string &path, const std::function<void(llvm::raw_ostream &)> &fn,
              std::string &error) {
  std::string err;
  auto file = openOutputFile(path, &err);
  if (!file) {
    error = err;
    return 1;
  }
  fn(file->os());
  file->keep();
  return 0;
}

int printModule(ModuleOp module, const std::string &path, std::string &error) {
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(16);
  return writeText(path, [&](llvm::raw_ostream &os) { module.print(os, flags); },
                   error);
}

std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const pcc::CompileOptions &o, std::string &error) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
  std::string triple =
      o.mtriple.empty() ? llvm::sys::getDefaultTargetTriple() : o.mtriple;
  std::string lookupError;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error = "unknown --mtriple '" + triple + "': " + lookupError;
    return nullptr;
  }
  std::string cpu = o.mcpu;
  std::string features;
  if (cpu.empty() && o.mtriple.empty()) {
    cpu = llvm::sys::getHostCPUName().str();
    for (auto &f : llvm::sys::getHostCPUFeatures())
        features += (features.empty() ? "" : ",") +
                    std::string(f.second ? "+" : "-") + f.first().str();
  } else if (cpu.empty()) {
    cpu = "generic";
  }
  if (!o.mcpu.empty()) {
    // Checked before the target machine exists, which would warn on stderr.
    std::unique_ptr<llvm::MCSubtargetInfo> probe(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!probe || !probe->isCPUStringValid(o.mcpu)) {
      error = "unknown --mcpu '" + o.mcpu + "' for target '" + triple + "'";
      return nullptr;
    }
  }
  llvm::TargetOptions options;
  auto level = o.optLevel == 0   ? llvm::CodeGenOptLevel::None
               : o.optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : o.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                 : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, options, llvm::Reloc::PIC_, std::nullopt, level));
  if (!tm) {
    error = "cannot create a target machine for '" + triple + "'";
    return nullptr;
  }
  return tm;
}

int emitObject(llvm::Module &module, llvm::TargetMachine &tm,
               const std::string &path, std::string &error) {
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return 1;
  }
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, out.os(), nullptr,
                             llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return 1;
  }
  pm.run(module);
  out.keep();
  return 0;
}

std::string defaultOutput(const pcc::CompileOptions &o) {
  llvm::SmallString<128> path(llvm::sys::path::filename(o.input));
  switch (o.emit) {
  case pcc::EmitKind::Lib:
    llvm::sys::path::replace_extension(path, ".so");
    return path.str().str();
  case pcc::EmitKind::Obj:
    llvm::sys::path::replace_extension(path, ".o");
    return path.str().str();
  case pcc::EmitKind::Header:
    llvm::sys::path::replace_extension(path, ".h");
    return path.str().str();
  default:
    return "-";
  }
}

} // namespace

/// LLVM's default pipeline at `level`, without loop unrolling: a model is
/// thousands of small static loops, and unrolling them (with the SCEV work
/// it triggers) took most of the compile time of unrolled recurrent models
/// (an LSTM fixture: 18 s of 23) for no measured speed-up.
static void optimizeModule(llvm::Module &module, llvm::TargetMachine *tm,
                           unsigned level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  llvm::PassBuilder pb(tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel ol = level == 0   ? llvm::OptimizationLevel::O0
                               : level == 1 ? llvm::OptimizationLevel::O1
                               : level == 2 ? llvm::OptimizationLevel::O2
                                            : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = level == 0
                                    ? pb.buildO0DefaultPipeline(ol)
                                    : pb.buildPerModuleDefaultPipeline(ol);
  mpm.run(module, mam);
}

/// Optimises and compiles `module` into objects under `dir`. The kernels
/// are independent functions, so a module with many of them is split into
/// one part per core (llvm::SplitModule), and every part is optimised and
/// compiled in a thread of its own, in a context of its own (parts travel
/// as bitcode).
static int emitObjects(std::unique_ptr<llvm::Module> module,
                       const pcc::CompileOptions &o, llvm::TargetMachine &tm,
                       const std::string &dir, std::vector<std::string> &objects,
                       std::string &error) {
  unsigned functions = 0;
  for (llvm::Function &f : *module)
    functions += !f.isDeclaration();
  unsigned parts = std::min<unsigned>(
      std::max(1u, std::thread::hardware_concurrency()), 8);
  // LLVM's pass timers (--time-passes) are not meant for threads.
  if (functions < 16 * parts || o.timePasses)
    parts = 1;
  if (parts == 1) {
    optimizeModule(*module, &tm, o.optLevel);
    objects.push_back(dir + "/model.o");
    return emitObject(*module, tm, objects.back(), error);
  }
  std::vector<llvm::SmallString<0>> bitcode;
  llvm::SplitModule(*module, parts, [&](std::unique_ptr<llvm::Module> part) {
    bitcode.emplace_back();
    llvm::raw_svector_ostream os(bitcode.back());
    llvm::WriteBitcodeToFile(*part, os);
  });
  module.reset();
  std::vector<std::string> errors(bitcode.size());
  for (size_t i = 0; i < bitcode.size(); ++i)
    objects.push_back(dir + "/model" + std::to_string(i) + ".o");
  auto compilePart = [&](size_t i) {
    llvm::LLVMContext context;
    auto parsed = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(llvm::StringRef(bitcode[i].data(),
                                              bitcode[i].size()),
                              "part"),
        context);
    if (!parsed) {
      errors[i] = "cannot read back a module part: " +
                  llvm::toString(parsed.takeError());
      return;
    }
    std::unique_ptr<llvm::TargetMachine> partTm =
        createTargetMachine(o, errors[i]);
    if (!partTm)
      return;
    optimizeModule(**parsed, partTm.get(), o.optLevel);
    emitObject(**parsed, *partTm, objects[i], errors[i]);
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < bitcode.size(); ++i)
    threads.emplace_back(compilePart, i);
  compilePart(0);
  for (std::thread &t : threads)
    t.join();
  for (const std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return 1;
    }
  return 0;
}

int pcc::compile(const CompileOptions &in, std::string &error) {
  CompileOptions o = in;
  if (o.output.empty()) {
    o.output = defaultOutput(o);
    if (o.inputData && o.output != "-") {
      error = "a model given as bytes (or on stdin) has no file name to "
              "name the output after; give -o FILE";
      return 1;
    }
  }
  if (o.emit == EmitKind::Lib && o.output == "-") {
    error = "a shared library cannot be written to stdout; give -o FILE";
    return 1;
  }
  if (o.pc.nudgeMode != NudgeMode::None && !takesNudge(o.pc.algorithm)) {
    error = "--nudge-mode is for --algorithm=il, epc or ipc (fpa and zil hold "
            "the predictions, where a nudge changes nothing; bp does not "
            "relax), got --algorithm=" +
            std::string(nameOf(o.pc.algorithm));
    return 1;
  }
  if (o.pc.nudgeMode == NudgeMode::Centered &&
      !takesCenteredNudge(o.pc.algorithm)) {
    error = "--nudge-mode=centered needs two relaxations from the same "
            "parameters, but ipc moves them during its relaxation: use "
            "positive or negative with --algorithm=ipc";
    return 1;
  }
  if (o.pc.schedule == Schedule::Reverse &&
      !takesReverseSchedule(o.pc.algorithm)) {
    error = "--schedule=reverse is for --algorithm=fpa (a sweep in reverse "
            "order needs the predictions held), got --algorithm=" +
            std::string(nameOf(o.pc.algorithm));
    return 1;
  }
  if (o.nudge && o.pc.nudgeMode == NudgeMode::None) {
    error = "--nudge sets the beta of --nudge-mode=positive, negative or "
            "centered; give one";
    return 1;
  }
  if ((o.emit == EmitKind::Onnx) != !o.checkpoint.empty()) {
    error = o.checkpoint.empty()
                ? "--emit=onnx writes the model with a checkpoint's values: "
                  "give --checkpoint=FILE"
                : "--checkpoint is for --emit=onnx";
    return 1;
  }
  if (o.emit == EmitKind::Onnx) {
    if (o.output == "-") {
      error = "--emit=onnx cannot write to stdout; give -o FILE";
      return 1;
    }
    return exportOnnxWithCheckpoint(o.input, o.inputData, o.checkpoint,
                                    o.output, error);
  }
  // Bad --mcpu/--mtriple fail before any work, whatever is emitted.
  std::unique_ptr<llvm::TargetMachine> tm;
  if (!o.mcpu.empty() || !o.mtriple.empty()) {
    tm = createTargetMachine(o, error);
    if (!tm)
      return 1;
  }
  if (o.emit == EmitKind::Lib && !o.mtriple.empty() &&
      llvm::Triple(o.mtriple).getArch() !=
          llvm::Triple(llvm::sys::getDefaultTargetTriple()).getArch()) {
    error = "a library for --mtriple=" + o.mtriple +
            " cannot be linked here: pcc's runtime is built for the host "
            "(emit an object with --emit=obj)";
    return 1;
  }

  DialectRegistry registry;
  registerPCCDialects(registry);
  MLIRContext ctx(registry);
  ctx.disableMultithreading(); // two cores; pass-level threads only add noise
  FirstError diag(&ctx);

  // --time-passes: one report on stderr at the end, import to link.
  DefaultTimingManager timing;
  timing.setEnabled(o.timePasses);
  TimingScope rootTiming = timing.getRootScope();
  TimingScope importTiming = rootTiming.nest("ONNX import");

  ImportOptions importOptions;
  importOptions.batch = o.batch;
  importOptions.inputShapes = o.inputShapes;
  importOptions.freeze = o.freeze;
  importOptions.output = o.modelOutput;
  OwningOpRef<ModuleOp> module = importOnnx(ctx, o.input, o.inputData, importOptions, error);
  if (!module)
    return 1;
  importTiming.stop();
  ModelInfo info = collectModelInfo(*module);

  if (o.emit == EmitKind::Header)
    return writeText(o.output,
                     [&](llvm::raw_ostream &os) { os << headerText(info, o); },
                     error);
  if (o.emit == EmitKind::PC)
    return printModule(*module, o.output, error);

  auto run = [&](StringRef stage,
                 const std::function<void(PassManager &)> &build) {
    PassManager pm(&ctx);
    build(pm);
    TimingScope passTiming = rootTiming.nest(stage);
    if (o.timePasses)
      pm.enableTiming(passTiming);
    if (succeeded(pm.run(*module)))
      return true;
    error = diag.message.empty() ? "a compiler pass failed" : diag.message;
    return false;
  };

  if (!run("MLIR: predictive-coding passes",
           [&](PassManager &pm) { buildPCPipeline(pm, o.pc); }))
    return 1;
  if (auto train = module->lookupSymbol<func::FuncOp>("pcc_train")) {
    if (auto steps = train->getAttrOfType<IntegerAttr>("pc.fixed_steps"))
      info.fixedSteps = steps.getInt();
    if (auto depth = train->getAttrOfType<IntegerAttr>("pc.depth"))
      info.depth = depth.getInt();
  }
  if (auto query = module->lookupSymbol<func::FuncOp>("pcc_query")) {
    info.queries = true;
    for (unsigned i = 0; i < query.getNumArguments(); ++i)
      if (auto name = query.getArgAttrOfType<StringAttr>(i, "pc.name"))
        info.hidden.push_back(
            tensorInfo(name.str(), query.getArgument(i).getType()));
  }
  if (o.emit == EmitKind::PCTrain)
    return printModule(*module, o.output, error);

  if (!run("MLIR: lowering to linalg",
           [&](PassManager &pm) { buildLinalgPipeline(pm); }))
    return 1;
  if (o.emit == EmitKind::Linalg)
    return printModule(*module, o.output, error);

  if (!run("MLIR: bufferization and lowering to LLVM",
           [&](PassManager &pm) { buildLLVMPipeline(pm, o.prefix); }))
    return 1;
  if (o.emit == EmitKind::LLVMDialect)
    return printModule(*module, o.output, error);

  TimingScope translateTiming = rootTiming.nest("translation to LLVM IR");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, "pcc_model");
  translateTiming.stop();
  if (!llvmModule) {
    error = diag.message.empty() ? "translation to LLVM IR failed" : diag.message;
    return 1;
  }
  if (!tm)
    tm = createTargetMachine(o, error);
  if (!tm)
    return 1;
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setTargetTriple(tm->getTargetTriple().str());
  if (o.emit == EmitKind::LLVMIR || o.emit == EmitKind::Obj) {
    TimingScope optTiming = rootTiming.nest("LLVM optimisation");
    optimizeModule(*llvmModule, tm.get(), o.optLevel);
    optTiming.stop();
    if (o.emit == EmitKind::Obj)
      return emitObject(*llvmModule, *tm, o.output, error);
    return writeText(
        o.output,
        [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); }, error);
  }

  std::unique_ptr<llvm::Module> glue =
      buildGlueModule(info, o, *llvmModule, error);
  if (!glue)
    return 1;
  llvm::SmallString<128> dir;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("pcc", dir)) {
    error = "cannot create a temporary directory: " + ec.message();
    return 1;
  }
  std::vector<std::string> objects;
  TimingScope codegenTiming =
      rootTiming.nest("LLVM optimisation and code generation");
  int rc = emitObjects(std::move(llvmModule), o, *tm, dir.str().str(),
                       objects, error);
  if (rc == 0) {
    optimizeModule(*glue, tm.get(), o.optLevel);
    objects.push_back(dir.str().str() + "/glue.o");
    rc = emitObject(*glue, *tm, objects.back(), error);
  }
  codegenTiming.stop();
  TimingScope linkTiming = rootTiming.nest("link (lld, in process)");
  if (rc == 0)
    rc = linkLibrary(o, objects, exportedFunctions(*glue), error);
  linkTiming.stop();
  llvm::sys::fs::remove_directories(dir);
  return rc;
}
