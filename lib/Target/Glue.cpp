//===- Glue.cpp - the exported ABI of a model library, in LLVM IR ---------===//
//
// The compiled kernels take expanded memref descriptors. The glue module
// built here adapts them to the pcc_rt_desc the runtime drives, holds the
// model's tables and initial values, and exports the ABI under the chosen
// prefix. It is LLVM IR, compiled like the kernels, so that making a library
// needs no C compiler.
//
//===----------------------------------------------------------------------===//
#include "ModelInfo.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <set>
#include <sstream>
#include <tuple>

using namespace pcc;

namespace {

/// sizeof(pcc_rt_desc) on LP64 targets; Runtime.h asserts the same.
constexpr uint64_t kDescSize = 272;

/// An LLVM IR string constant's body, NUL-terminated.
std::string irString(const std::string &s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\')
      out += "\\" + llvm::utohexstr(u, /*LowerCase=*/false, /*Width=*/2);
    else
      out += c;
  }
  return out + "\\00";
}

std::string irDouble(double d) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format_hex(llvm::bit_cast<uint64_t>(d), 18, /*Upper=*/true);
  // format_hex writes "0X..." when upper; IR wants a lower-case prefix.
  s[1] = 'x';
  return s;
}

/// A `[N x T] [T a, T b, ...]` constant, or a zero-length array.
template <typename Range, typename Fn>
std::string irArray(const std::string &elementType, const Range &range,
                    Fn element) {
  std::vector<std::string> items;
  for (const auto &x : range)
    items.push_back(elementType + " " + element(x));
  if (items.empty())
    return "[0 x " + elementType + "] zeroinitializer";
  return "[" + std::to_string(items.size()) + " x " + elementType + "] [" +
         llvm::join(items, ", ") + "]";
}

/// The tables of one tensor list (names, ranks, shapes, sizes) as globals
/// `@<kind>_*`; returns the `%pcc.tensors` constant that points to them.
std::string tensorTables(std::ostringstream &ir, const std::string &kind,
                         const std::vector<TensorInfo> &ts,
                         const std::string &init) {
  for (size_t i = 0; i < ts.size(); ++i) {
    ir << "@" << kind << "_name" << i << " = private unnamed_addr constant ["
       << ts[i].name.size() + 1 << " x i8] c\"" << irString(ts[i].name)
       << "\"\n";
    ir << "@" << kind << "_shape" << i << " = private constant "
       << irArray("i64", ts[i].shape, [](int64_t d) { return std::to_string(d); })
       << "\n";
  }
  std::vector<size_t> index(ts.size());
  for (size_t i = 0; i < ts.size(); ++i)
    index[i] = i;
  auto ref = [&](const char *what) {
    return [=](size_t i) { return "@" + kind + what + std::to_string(i); };
  };
  ir << "@" << kind << "_names = private constant "
     << irArray("ptr", index, ref("_name")) << "\n";
  ir << "@" << kind << "_shapes = private constant "
     << irArray("ptr", index, ref("_shape")) << "\n";
  ir << "@" << kind << "_ranks = private constant "
     << irArray("i64", ts, [](const TensorInfo &t) {
          return std::to_string(t.shape.size());
        })
     << "\n";
  ir << "@" << kind << "_sizes = private constant "
     << irArray("i64", ts,
                [](const TensorInfo &t) { return std::to_string(t.size()); })
     << "\n";
  return "%pcc.tensors { i64 " + std::to_string(ts.size()) + ", ptr @" + kind +
         "_names, ptr @" + kind + "_ranks, ptr @" + kind + "_shapes, ptr @" +
         kind + "_sizes, ptr " + init + " }";
}

/// The body of an adapter from the runtime's pointer arrays to a kernel's
/// expanded memref arguments (allocated, aligned, offset, sizes, strides).
struct KernelCall {
  std::ostringstream body;
  std::vector<std::string> types, args;
  int loads = 0;

  void scalar(const std::string &type, const std::string &value) {
    types.push_back(type);
    args.push_back(type + " " + value);
  }
  void memref(const std::string &ptr, const std::vector<int64_t> &shape) {
    scalar("ptr", ptr);
    scalar("ptr", ptr);
    scalar("i64", "0");
    std::vector<int64_t> strides(shape.size());
    int64_t stride = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= shape[i];
    }
    for (int64_t d : shape)
      scalar("i64", std::to_string(d));
    for (int64_t s : strides)
      scalar("i64", std::to_string(s));
  }
  /// Element i of a `float *const *` argument.
  void element(const std::string &array, size_t i,
               const std::vector<int64_t> &shape) {
    std::string slot = "%slot" + std::to_string(loads);
    std::string value = "%buf" + std::to_string(loads++);
    body << "  " << slot << " = getelementptr inbounds ptr, ptr " << array
         << ", i64 " << i << "\n  " << value << " = load ptr, ptr " << slot
         << "\n";
    memref(value, shape);
  }
  void elements(const std::string &array, const std::vector<TensorInfo> &ts) {
    for (size_t i = 0; i < ts.size(); ++i)
      element(array, i, ts[i].shape);
  }
  std::string define(const std::string &name, const std::string &params,
                     const std::string &kernel) const {
    return "declare void @" + kernel + "(" + llvm::join(types, ", ") +
           ")\n\ndefine internal void @" + name + "(" + params + ") {\n" +
           body.str() + "  call void @" + kernel + "(" + llvm::join(args, ", ") +
           ")\n  ret void\n}\n\n";
  }
};

/// One exported function `<prefix>_<name>(params)`: returns `callee(args)`,
/// or `args` itself when there is no callee.
struct AbiFunction {
  std::string name, result, params, callee, calleeTypes, args;
};

std::vector<AbiFunction> abiFunctions(const ModelInfo &info) {
  const std::string desc = "ptr @desc";
  std::vector<AbiFunction> fns = {
      {"signature", "ptr", "", "", "", "@signature"},
      {"create", "ptr", "", "pcc_rt_create", "ptr", desc},
      {"destroy", "void", "ptr %m", "pcc_rt_destroy_with", "ptr, ptr",
       desc + ", ptr %m"},
      {"predict", "i32", "ptr %m, ptr %in, ptr %out", "pcc_rt_predict",
       "ptr, ptr, ptr, ptr", desc + ", ptr %m, ptr %in, ptr %out"},
      {"train_step", "i32", "ptr %m, ptr %in, ptr %t, ptr %s", "pcc_rt_train",
       "ptr, ptr, ptr, ptr, ptr, i32",
       desc + ", ptr %m, ptr %in, ptr %t, ptr %s, i32 1"},
      {"compute_gradients", "i32", "ptr %m, ptr %in, ptr %t, ptr %s",
       "pcc_rt_train", "ptr, ptr, ptr, ptr, ptr, i32",
       desc + ", ptr %m, ptr %in, ptr %t, ptr %s, i32 0"},
      {"infer", "i32", "ptr %m, ptr %q, ptr %in, ptr %out, ptr %s",
       "pcc_rt_query", "ptr, ptr, ptr, ptr, ptr, ptr, i32",
       desc + ", ptr %m, ptr %q, ptr %in, ptr %out, ptr %s, i32 0"},
      {"train_query", "i32", "ptr %m, ptr %q, ptr %in, ptr %out, ptr %s",
       "pcc_rt_query", "ptr, ptr, ptr, ptr, ptr, ptr, i32",
       desc + ", ptr %m, ptr %q, ptr %in, ptr %out, ptr %s, i32 1"},
  };
  // Field 3 of pcc_rt_desc is `params`, field 5 `states`, field 15
  // `hidden`.
  for (auto [kind, field, count] :
       {std::tuple<std::string, int, size_t>{"param", 3, info.params.size()},
        {"state", 5, info.states.size()},
        {"hidden", 15, info.hidden.size()}}) {
    std::string table = "ptr getelementptr inbounds (%pcc.desc, ptr @desc, "
                        "i32 0, i32 " +
                        std::to_string(field) + ")";
    fns.push_back({"num_" + kind + (kind == "hidden" ? "" : "s"), "i64", "", "",
                   "", std::to_string(count)});
    for (const char *what : {"name", "rank", "shape"})
      fns.push_back({kind + "_" + what,
                     std::string(what) == "rank" ? "i64" : "ptr", "i64 %i",
                     std::string("pcc_rt_tensor_") + what, "ptr, i64",
                     table + ", i64 %i"});
    if (kind == "hidden")
      continue; // no data: a query gives the values it clamps
    fns.push_back({kind + "_data", "ptr", "ptr %m, i64 %i",
                   "pcc_rt_" + kind + "_data", "ptr, ptr, i64",
                   desc + ", ptr %m, i64 %i"});
  }
  std::vector<AbiFunction> rest = {
      {"param_grad", "ptr", "ptr %m, i64 %i", "pcc_rt_param_grad",
       "ptr, ptr, i64", desc + ", ptr %m, i64 %i"},
      {"apply_gradients", "i32", "ptr %m, ptr %g", "pcc_rt_apply_gradients",
       "ptr, ptr, ptr", desc + ", ptr %m, ptr %g"},
      {"optimizer_step", "i64", "ptr %m", "pcc_rt_optimizer_step", "ptr",
       "ptr %m"},
      {"set_optimizer_step", "i32", "ptr %m, i64 %s",
       "pcc_rt_set_optimizer_step", "ptr, i64", "ptr %m, i64 %s"},
      {"optimizer_state", "ptr", "ptr %m, i64 %i, i64 %w",
       "pcc_rt_optimizer_state", "ptr, ptr, i64, i64",
       desc + ", ptr %m, i64 %i, i64 %w"},
      {"save_checkpoint", "i32", "ptr %m, ptr %f", "pcc_rt_save",
       "ptr, ptr, ptr", desc + ", ptr %m, ptr %f"},
      {"load_checkpoint", "i32", "ptr %m, ptr %f", "pcc_rt_load",
       "ptr, ptr, ptr", desc + ", ptr %m, ptr %f"},
      {"set_hyperparameter", "i32", "ptr %m, ptr %n, double %v",
       "pcc_rt_set_hyperparameter", "ptr, ptr, double",
       "ptr %m, ptr %n, double %v"},
      {"last_error", "ptr", "ptr %m", "pcc_rt_last_error", "ptr", "ptr %m"},
  };
  fns.insert(fns.end(), rest.begin(), rest.end());
  return fns;
}

std::string glueText(const ModelInfo &info, const CompileOptions &o) {
  const std::string &p = o.prefix;
  std::ostringstream ir;
  ir << "; Generated by pcc: glue between the compiled kernels and the "
        "runtime.\n"
     << "%pcc.tensors = type { i64, ptr, ptr, ptr, ptr, ptr }\n"
     << "%pcc.desc = type { i64, ptr, i64, %pcc.tensors, ptr, %pcc.tensors, "
        "ptr, i32, double, double, i64, i64, ptr, ptr, i64, %pcc.tensors, "
        "ptr, double, ptr }\n\n";
  // Initial values: zero here, the bytes are set on the parsed module.
  for (auto [sym, data] : {std::pair<const char *, const std::vector<float> *>{
                               "initial_params", &info.initData},
                           {"initial_states", &info.stateData}})
    ir << "@" << sym << " = internal constant ["
       << std::max<size_t>(4, data->size() * sizeof(float))
       << " x i8] zeroinitializer, align 64\n";
  std::string params = tensorTables(ir, "param", info.params, "@initial_params");
  std::string states = tensorTables(ir, "state", info.states, "@initial_states");
  std::string hidden = tensorTables(ir, "hidden", info.hidden, "null");
  ir << "@param_trainable = private constant "
     << irArray("i8", info.params,
                [](const TensorInfo &t) { return t.trainable ? "1" : "0"; })
     << "\n";
  ir << "@input_sizes = private constant "
     << irArray("i64", info.inputs,
                [](const TensorInfo &t) { return std::to_string(t.size()); })
     << "\n";
  std::string signature = signatureJson(info, o);
  ir << "@signature = private unnamed_addr constant [" << signature.size() + 1
     << " x i8] c\"" << irString(signature) << "\"\n\n";

  bool incremental = o.pc.algorithm == Algorithm::IPC;
  ir << "@desc = internal constant %pcc.desc { i64 " << info.inputs.size()
     << ", ptr @input_sizes, i64 " << info.output.size() << ", " << params
     << ", ptr @param_trainable, " << states << ", ptr @signature, i32 "
     << (o.pc.optimizer == Optimizer::Adam ? 1 : 0) << ", double "
     << irDouble(o.learningRate) << ", double "
     << irDouble(initialInferenceRate(o)) << ", i64 " << o.inferenceSteps
     << ", i64 " << info.fixedSteps << ", ptr @predict, ptr "
     << (incremental ? "null" : "@train") << ", i64 "
     << (o.pc.loss == Loss::CE ? 1 : 0) << ", " << hidden << ", ptr "
     << (info.queries ? "@query" : "null") << ", double "
     << irDouble(initialNudge(o)) << ", ptr "
     << (incremental ? "@train_incremental" : "null") << " }\n\n";

  // Kernel adapters, in the argument order of pc-entry-points.
  KernelCall predict, train;
  predict.elements("%in", info.inputs);
  predict.elements("%params", info.params);
  predict.elements("%states", info.states);
  predict.memref("%out", info.output.shape);
  train.elements("%in", info.inputs);
  train.memref("%target", info.output.shape);
  train.elements("%params", info.params);
  train.elements("%states", info.states);
  train.scalar("i64", "%steps");
  train.scalar("float", "%rate");
  train.scalar("float", "%nudge");
  train.elements("%grads", info.params);
  train.elements("%new_states", info.states);
  train.memref("%loss", {});
  train.memref("%energy", {});
  ir << predict.define("predict", "ptr %params, ptr %states, ptr %in, ptr %out",
                       p + "_kernel_predict");
  if (info.queries) {
    KernelCall query;
    query.elements("%in", info.inputs);
    query.elements("%free", info.inputs);
    query.memref("%target", info.output.shape);
    query.memref("%target_mask", info.output.shape);
    for (size_t i = 0; i < info.hidden.size(); ++i) {
      query.element("%clamp_masks", i, info.hidden[i].shape);
      query.element("%clamp_values", i, info.hidden[i].shape);
    }
    query.elements("%params", info.params);
    query.elements("%states", info.states);
    query.scalar("i64", "%steps");
    query.scalar("float", "%rate");
    query.scalar("float", "%momentum");
    query.elements("%relaxed", info.inputs);
    query.memref("%out", info.output.shape);
    query.elements("%grads", info.params);
    query.elements("%new_states", info.states);
    query.memref("%loss", {});
    query.memref("%energy", {});
    ir << query.define("query",
                       "ptr %params, ptr %states, ptr %in, ptr %free, ptr "
                       "%target, ptr %target_mask, ptr %clamp_masks, ptr "
                       "%clamp_values, i64 %steps, float %rate, float "
                       "%momentum, ptr %relaxed, ptr %out, ptr %grads, ptr "
                       "%new_states, ptr %loss, ptr %energy",
                       p + "_kernel_query");
  }
  if (incremental) {
    // ipc's kernel updates the parameters and optimizer moments itself.
    KernelCall step;
    step.elements("%in", info.inputs);
    step.memref("%target", info.output.shape);
    step.elements("%params", info.params);
    step.elements("%states", info.states);
    step.elements("%moments", info.params);
    step.elements("%velocities", info.params);
    step.scalar("i64", "%steps");
    for (const char *scalar :
         {"%rate", "%nudge", "%lr", "%beta1_power", "%beta2_power"})
      step.scalar("float", scalar);
    step.elements("%new_params", info.params);
    step.elements("%new_moments", info.params);
    step.elements("%new_velocities", info.params);
    step.elements("%new_states", info.states);
    step.memref("%loss", {});
    step.memref("%energy", {});
    ir << step.define("train_incremental",
                      "ptr %params, ptr %states, ptr %moments, ptr "
                      "%velocities, ptr %in, ptr %target, i64 %steps, float "
                      "%rate, float %nudge, float %lr, float %beta1_power, "
                      "float %beta2_power, ptr %new_params, ptr %new_moments, "
                      "ptr %new_velocities, ptr %new_states, ptr %loss, ptr "
                      "%energy",
                      p + "_kernel_train");
  } else {
    ir << train.define("train",
                       "ptr %params, ptr %states, ptr %in, ptr %target, i64 "
                       "%steps, float %rate, float %nudge, ptr %grads, ptr "
                       "%new_states, ptr %loss, ptr %energy",
                       p + "_kernel_train");
  }

  // The exported ABI.
  std::set<std::string> declared;
  for (const AbiFunction &f : abiFunctions(info)) {
    if (!f.callee.empty() && declared.insert(f.callee).second)
      ir << "declare " << f.result << " @" << f.callee << "(" << f.calleeTypes
         << ")\n";
    ir << "define " << f.result << " @" << p << "_" << f.name << "("
       << f.params << ") nounwind {\n";
    if (f.callee.empty())
      ir << "  ret " << f.result << " " << f.args << "\n";
    else if (f.result == "void")
      ir << "  call void @" << f.callee << "(" << f.args << ")\n  ret void\n";
    else
      ir << "  %r = call " << f.result << " @" << f.callee << "(" << f.args
         << ")\n  ret " << f.result << " %r\n";
    ir << "}\n";
  }
  return ir.str();
}

} // namespace

std::unique_ptr<llvm::Module>
pcc::buildGlueModule(const ModelInfo &info, const CompileOptions &o,
                     const llvm::Module &kernels, std::string &error) {
  llvm::SMDiagnostic diag;
  std::unique_ptr<llvm::Module> glue =
      llvm::parseAssemblyString(glueText(info, o), diag, kernels.getContext());
  if (!glue) {
    std::string message;
    llvm::raw_string_ostream os(message);
    diag.print("glue", os, /*ShowColors=*/false);
    error = "internal error: the library glue does not parse: " +
            llvm::StringRef(message).split('\n').first.str();
    return nullptr;
  }
  glue->setDataLayout(kernels.getDataLayout());
  glue->setTargetTriple(kernels.getTargetTriple());

  // The adapters' calls must match the kernels pc-entry-points made.
  for (const char *kind : {"predict", "train", "query"}) {
    std::string name = o.prefix + "_kernel_" + kind;
    if (!info.queries && std::string(kind) == "query")
      continue;
    const llvm::Function *kernel = kernels.getFunction(name);
    if (!kernel || kernel->getFunctionType() !=
                       glue->getFunction(name)->getFunctionType()) {
      error = "internal error: the compiled '" + name +
              "' does not take the arguments the library glue passes";
      return nullptr;
    }
  }
  auto *descType = llvm::StructType::getTypeByName(glue->getContext(), "pcc.desc");
  if (glue->getDataLayout().getTypeAllocSize(descType) != kDescSize) {
    error = "the target's data layout does not lay out the runtime's model "
            "descriptor as the runtime does (pcc supports LP64 targets)";
    return nullptr;
  }

  // The initial values, as bytes.
  for (auto [sym, data] : {std::pair<const char *, const std::vector<float> *>{
                               "initial_params", &info.initData},
                           {"initial_states", &info.stateData}}) {
    llvm::GlobalVariable *global = glue->getGlobalVariable(sym, true);
    std::string bytes(reinterpret_cast<const char *>(data->data()),
                      data->size() * sizeof(float));
    bytes.resize(std::max<size_t>(4, bytes.size()), '\0');
    global->setInitializer(llvm::ConstantDataArray::getRaw(
        bytes, bytes.size(), llvm::Type::getInt8Ty(glue->getContext())));
  }
  return glue;
}

std::vector<std::string> pcc::exportedFunctions(const llvm::Module &glue) {
  std::vector<std::string> names;
  for (const llvm::Function &f : glue)
    if (!f.isDeclaration() && f.hasExternalLinkage())
      names.push_back(f.getName().str());
  return names;
}
