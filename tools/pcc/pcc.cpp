//===- pcc.cpp - the pcc compiler driver ----------------------------------===//
//
//   pcc model.onnx -o model.so [options]
//
//===----------------------------------------------------------------------===//
#include "pcc/Import/OnnxImporter.h"
#include "pcc/Target/Compiler.h"

#include "llvm/CodeGen/CommandFlags.h"
#include "llvm/Pass.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;

static cl::OptionCategory category("pcc options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> outputFile(
    "o",
    cl::desc("Output file (default: for lib, obj and header the input "
             "name with .so, .o or .h; for the textual kinds "
             "stdout, also written as '-')"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> algorithm(
    "algorithm",
    cl::desc("Learning algorithm: il (inference learning, default), fpa "
             "(fixed-prediction assumption), zil (zero-divergence IL), bp "
             "(backprop control), epc (error-space relaxation: il's "
             "equilibrium, each step one backward sweep), ipc (incremental "
             "PC: il with an optimizer step at every inference step)"),
    cl::init("il"), cl::cat(category));
static cl::opt<std::string>
    loss("loss",
         cl::desc("Output loss: mse (default) or ce (softmax cross-entropy "
                  "on the model output, one-hot target)"),
         cl::init("mse"), cl::cat(category));
static cl::opt<std::string> lossReduction(
    "loss-reduction",
    cl::desc("How the batch's losses combine: mean (default) or sum (each "
             "sample's output error then weighs as much as its hidden errors, "
             "whatever the batch size)"),
    cl::init("mean"), cl::cat(category));
static cl::opt<std::string> vertices(
    "vertices",
    cl::desc("Value nodes: op (default; every op a vertex) or layer (a "
             "parameterised op and the activations, bias adds and "
             "normalisations after it one vertex, as in a PC layer "
             "f(W x + b))"),
    cl::init("op"), cl::cat(category));
static cl::opt<std::string> nudgeMode(
    "nudge-mode",
    cl::desc(
        "With --algorithm=il, epc or ipc: none (default), positive, negative "
        "or (not ipc) centered; the output error is scaled by +beta, -beta or "
        "both "
        "(two relaxations, averaged) and the parameter update divided "
        "by the same, which tends to backprop's gradient as beta -> 0"),
    cl::init("none"), cl::cat(category));
static cl::opt<std::string> schedule(
    "schedule",
    cl::desc("Order of a relaxation step's updates: parallel (default; "
             "every vertex from the previous step's errors) or, with "
             "--algorithm=fpa, reverse (reverse topological order, each "
             "vertex from its children's errors of the same step: at "
             "--inference-rate=1 one step is backprop)"),
    cl::init("parallel"), cl::cat(category));
static cl::opt<std::string>
    nudge("nudge",
          cl::desc("The beta > 0 of --nudge-mode (default 0.1; run-time "
                   "hyper-parameter `nudge`)"),
          cl::value_desc("beta"), cl::cat(category));
static cl::opt<std::string>
    inferenceSteps("inference-steps",
                   cl::desc("Relaxation steps T (default 20)"), cl::init("20"),
                   cl::cat(category));
static cl::opt<std::string>
    inferenceRate("inference-rate",
                  cl::desc("Relaxation step size gamma (default 0.1; epc 0.5)"),
                  cl::cat(category));
static cl::opt<std::string>
    learningRate("learning-rate",
                 cl::desc("Optimizer learning rate alpha (default 1e-3)"),
                 cl::init("1e-3"), cl::cat(category));
static cl::opt<std::string> optimizer(
    "optimizer",
    cl::desc("sgd or adam (default; beta1 0.9, beta2 0.999, eps 1e-8); "
             "with --algorithm=ipc it runs inside the relaxation, one step "
             "per inference step"),
    cl::init("adam"), cl::cat(category));
static cl::opt<std::string> batch(
    "batch",
    cl::desc("Batch size, replacing dimension 0 of every input (default 0: "
             "keep the model's); refused where the inputs disagree on "
             "dimension 0 or the output does not keep it"),
    cl::init("0"), cl::cat(category));
static cl::list<std::string> inputShape(
    "input-shape",
    cl::desc("Static shape of one input, NAME:d0,d1,... (repeatable; "
             "overrides the model and --batch)"),
    cl::value_desc("name:dims"), cl::cat(category));
static cl::list<std::string>
    freeze("freeze",
           cl::desc("Initializers to keep at their values, not trained "
                    "(comma-separated names; repeatable)"),
           cl::value_desc("names"), cl::CommaSeparated, cl::cat(category));
static cl::opt<std::string> queries(
    "queries",
    cl::desc("on: the library also answers queries (pcc_infer, "
             "pcc_train_query: free inputs, a masked target, clamped hidden "
             "tensors); off (default): about half the compile time, and the "
             "query functions fail"),
    cl::init("off"), cl::cat(category));
static cl::opt<std::string> output(
    "output",
    cl::desc("The ONNX tensor to compile as the model output (default: the "
             "graph's output; required when the graph has several)"),
    cl::value_desc("name"), cl::init(""), cl::cat(category));
static cl::opt<std::string>
    prefix("prefix", cl::desc("Prefix of every exported symbol (default pcc)"),
           cl::init("pcc"), cl::cat(category));
static cl::opt<std::string>
    emit("emit",
         cl::desc("What to emit: pc (imported graph), pc-train (after the PC "
                  "passes), linalg, llvm-dialect, llvm-ir, obj, lib (default), "
                  "header (C header of the prefixed ABI), onnx (the model "
                  "with a checkpoint's values, with --checkpoint)"),
         cl::init("lib"), cl::cat(category));
static cl::opt<std::string> checkpoint(
    "checkpoint",
    cl::desc("With --emit=onnx: a file written by pcc_save_checkpoint; its "
             "parameters and states become the model's initializers"),
    cl::value_desc("file"), cl::init(""), cl::cat(category));
enum OptLevel { O0, O1, O2, O3 };
static cl::opt<OptLevel> optLevel(
    cl::desc("Optimization level (default -O2):"),
    cl::values(clEnumValN(O0, "O0", "No optimization"),
               clEnumValN(O1, "O1", "Light"), clEnumValN(O2, "O2", "Default"),
               clEnumValN(O3, "O3", "Aggressive")),
    cl::init(O2), cl::cat(category));
// The in-process linker registers LLVM's code-generation flags (-mcpu
// among them) when it first runs; register them up front and adopt -mcpu
// rather than defining a second one.
static codegen::RegisterCodeGenFlags codegenFlags;
static cl::opt<std::string>
    mtriple("mtriple", cl::desc("Target triple (default: the host)"),
            cl::init(""), cl::cat(category));

static int fail(const std::string &message) {
  errs() << "pcc: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // LLVM owns -time-passes (TimePassesIsEnabled); pcc shows it and adds its
  // own report of the MLIR passes and the compile's phases.
  if (auto *opt = cl::getRegisteredOptions().lookup("time-passes")) {
    opt->addCategory(category);
    opt->setHiddenFlag(cl::NotHidden);
    opt->setDescription("Print where the compile spends its time (import, "
                        "each MLIR pass, LLVM optimisation and code "
                        "generation, link) on stderr");
  }
  if (auto *opt = cl::getRegisteredOptions().lookup("mcpu")) {
    opt->addCategory(category);
    opt->setDescription("Target CPU (default: the host CPU)");
  }
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter(
      [](raw_ostream &os) { os << "pcc 0.1 (LLVM/MLIR 19)\n"; });
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "pcc: compile an ONNX model into a library that trains by "
          "predictive coding\n\n  pcc model.onnx -o model.so "
          "[--algorithm=il|fpa|zil|bp|epc|ipc] [--loss=mse|ce] ...\n  pcc - -o "
          "model.so < model.onnx     (the model on stdin)\n\nSupported ONNX "
          "operators: " +
              std::string(pcc::supportedOnnxOperators()) + "\n",
          &errs()))
    return 1;

  pcc::CompileOptions o;
  if (inputFile.empty())
    return fail("no input model (usage: pcc model.onnx -o model.so)");
  o.input = inputFile;
  if (inputFile == "-") {
    // The model's bytes on stdin.
    auto bytes = MemoryBuffer::getSTDIN();
    if (!bytes)
      return fail("cannot read the model from stdin: " +
                  bytes.getError().message());
    o.inputData = (*bytes)->getBuffer().str();
    o.input = "<stdin>";
  }
  o.output = outputFile;
  o.pccExecutable = sys::fs::getMainExecutable(argv[0], (void *)&fail);

  std::string error;
  auto set = [&](const char *flag, const std::string &value) {
    return pcc::setFlag(o, flag, value, error) == 0;
  };
  bool ok = set("algorithm", algorithm) && set("loss", loss) &&
            set("loss-reduction", lossReduction) && set("vertices", vertices) &&
            set("nudge-mode", nudgeMode) && set("schedule", schedule) &&
            (!nudge.getNumOccurrences() || set("nudge", nudge)) &&
            set("inference-steps", inferenceSteps) &&
            (!inferenceRate.getNumOccurrences() ||
             set("inference-rate", inferenceRate)) &&
            set("learning-rate", learningRate) && set("optimizer", optimizer) &&
            set("output", output) && set("batch", batch) &&
            set("queries", queries) && set("prefix", prefix) &&
            set("emit", emit) &&
            set("O", std::to_string(static_cast<int>(optLevel.getValue()))) &&
            (checkpoint.empty() || set("checkpoint", checkpoint)) &&
            set("mcpu", codegen::getMCPU()) && set("mtriple", mtriple);
  for (const std::string &spec : inputShape)
    ok = ok && set("input-shape", spec);
  for (const std::string &name : freeze)
    ok = ok && set("freeze", name);
  if (!ok)
    return fail(error);
  o.timePasses = TimePassesIsEnabled;

  if (pcc::compile(o, error) != 0)
    return fail(error);
  return 0;
}
