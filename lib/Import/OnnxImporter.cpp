//===- OnnxImporter.cpp - ONNX to the pc dialect --------------------------===//
//
// libonnx parses and checks the model; the importer classifies the
// initializers (trainable parameters, frozen parameters, state, constants),
// unties the initializers PyTorch's exporter aliased, and walks the nodes in
// order through the operator registry: a node whose inputs are all
// compile-time constants folds on the host, any other imports into pc ops.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include "llvm/ADT/StringSet.h"

#include <onnx/checker.h>

#include <fstream>
#include <iterator>

using namespace mlir;

namespace pcc::detail {

std::string OpRegistry::names() const {
  SmallVector<StringRef> keys;
  for (const auto &e : ops)
    keys.push_back(e.getKey());
  llvm::sort(keys, [](StringRef a, StringRef b) {
    return a.compare_insensitive(b) < 0;
  });
  return llvm::join(keys, ", ");
}

const OpRegistry &opRegistry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerMathOps(r);
    registerShapeOps(r);
    registerNNOps(r);
    registerRecurrentOps(r);
    return r;
  }();
  return registry;
}

Value Importer::tensor(const onnx::NodeProto &node, int i) {
  const Entry &e = lookup(node, i);
  if (e.value)
    return e.value;
  const HostTensor &h = *e.constant;
  std::vector<float> data(h.size());
  for (int64_t k = 0; k < h.size(); ++k)
    data[k] = h.at(k);
  return denseConstant(loc(node), h.shape, data);
}

SmallVector<int64_t> Importer::constantInts(const onnx::NodeProto &node, int i,
                                            const char *what) {
  const HostTensor &h = constant(node, i, what);
  if (h.isFloat())
    fail(node, Twine(what) + " (input '" + node.input(i) +
                   "') must be integers, got FLOAT");
  return SmallVector<int64_t>(h.ints.begin(), h.ints.end());
}

SmallVector<int64_t> Importer::axesOf(const onnx::NodeProto &node,
                                      int inputIndex, int64_t inputOpset,
                                      int64_t rank) {
  SmallVector<int64_t> axes;
  if (opset >= inputOpset && hasInput(node, inputIndex))
    axes = constantInts(node, inputIndex, "axes");
  else if (auto a = intsAttr(node, "axes"))
    axes = *a;
  for (int64_t &a : axes)
    a = normAxis(node, a, rank);
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

Value Importer::slice(Location l, Value v, ArrayRef<int64_t> starts,
                      ArrayRef<int64_t> steps, ArrayRef<int64_t> shape) {
  if (shapeOfValue(v) == shape &&
      llvm::all_of(starts, [](int64_t s) { return s == 0; }) &&
      llvm::all_of(steps, [](int64_t s) { return s == 1; }))
    return v;
  return b.create<pc::SliceOp>(l, f32Type(shape), v,
                               b.getDenseI64ArrayAttr(starts),
                               b.getDenseI64ArrayAttr(steps));
}

Value Importer::sliceAxis(Location l, Value v, int64_t axis, int64_t offset,
                          int64_t count) {
  SmallVector<int64_t> shape(shapeOfValue(v));
  SmallVector<int64_t> starts(shape.size(), 0), steps(shape.size(), 1);
  starts[axis] = offset;
  shape[axis] = count;
  return slice(l, v, starts, steps, shape);
}

namespace {

/// How the graph's nodes read one tensor name.
struct UseSummary {
  bool asValue = false, asState = false;
  const onnx::NodeProto *stateReader = nullptr, *valueReader = nullptr;
};

/// The static shape of model input `input`: --input-shape, else the
/// declared dims with --batch for dimension 0.
SmallVector<int64_t> inputShape(const onnx::ValueInfoProto &input,
                                const pcc::ImportOptions &options) {
  const auto &dims = input.type().tensor_type().shape().dim();
  auto given = options.inputShapes.find(input.name());
  if (given != options.inputShapes.end()) {
    if (input.type().tensor_type().has_shape() &&
        (size_t)dims.size() != given->second.size())
      throw ImportError("--input-shape gives input '" + input.name() + "' " +
                        std::to_string(given->second.size()) +
                        " dimensions; the model declares " +
                        std::to_string(dims.size()));
    return SmallVector<int64_t>(given->second.begin(), given->second.end());
  }
  SmallVector<int64_t> shape;
  for (int d = 0; d < dims.size(); ++d) {
    if (d == 0 && options.batch > 0) {
      shape.push_back(options.batch);
      continue;
    }
    if (!dims[d].has_dim_value() || dims[d].dim_value() <= 0)
      throw ImportError(
          "input '" + input.name() + "' dimension " + std::to_string(d) +
          " is not static" +
          (d == 0 ? " (give the batch size with --batch=N or the shape with "
                    "--input-shape=" +
                        input.name() + ":d0,d1,...)"
                  : " (give its shape with --input-shape=" + input.name() +
                        ":d0,d1,...)"));
    shape.push_back(dims[d].dim_value());
  }
  return shape;
}

} // namespace

OwningOpRef<ModuleOp> Importer::run() {
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  if (opset < 1)
    throw ImportError("model imports no default-domain opset");
  const OpRegistry &registry = opRegistry();

  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initializerNames;
  for (const auto &init : graph().initializer())
    initializerNames.insert(init.name());

  // PyTorch's exporter deduplicates initializers that happen to hold equal
  // values (zero biases, a running mean equal to a zero bias) and reads the
  // copies through Identity nodes. Each Identity output of an initializer is
  // a tensor of its own, with the initializer's value: untie them. An
  // initializer read directly by several nodes stays one tensor (real
  // weight sharing).
  llvm::StringMap<std::string> aliasSource; // Identity output -> initializer
  llvm::StringMap<SmallVector<std::string>> aliasesOf;
  for (const auto &node : graph().node()) {
    if (node.op_type() != "Identity" || node.input_size() != 1 ||
        node.output_size() != 1)
      continue;
    StringRef in = node.input(0);
    std::string source;
    if (initializerNames.contains(in))
      source = in.str();
    else if (auto it = aliasSource.find(in); it != aliasSource.end())
      source = it->second;
    else
      continue;
    aliasSource[node.output(0)] = source;
    aliasesOf[source].push_back(node.output(0));
  }

  // How every tensor is read.
  llvm::StringMap<UseSummary> uses;
  for (const auto &node : graph().node()) {
    if (aliasSource.count(node.output_size() ? node.output(0) : ""))
      continue;
    const OpSpec *spec = registry.lookup(node.op_type());
    for (int i = 0; i < node.input_size(); ++i) {
      if (node.input(i).empty())
        continue;
      InputUse use = spec ? spec->useOf(node, i, opset) : InputUse::Value;
      UseSummary &u = uses[node.input(i)];
      if (use == InputUse::State) {
        u.asState = true;
        u.stateReader = &node;
      } else if (use == InputUse::Value) {
        u.asValue = true;
        u.valueReader = &node;
      }
    }
  }
  for (const auto &o : graph().output())
    uses[o.name()].asValue = true;

  // Model inputs: graph inputs that are not initializers.
  struct Arg {
    std::string name, role;
    Type type;
    std::optional<HostTensor> init;
  };
  SmallVector<Arg> args;
  llvm::StringSet<> inputNames;
  std::string inputList;
  for (const auto &input : graph().input())
    if (!initializerNames.contains(input.name())) {
      inputNames.insert(input.name());
      inputList += (inputList.empty() ? "" : ", ") + input.name();
    }
  for (const auto &given : options.inputShapes)
    if (!inputNames.contains(given.first))
      throw ImportError("--input-shape names '" + given.first +
                        "', which is not a model input (inputs: " + inputList +
                        ")");
  for (const auto &input : graph().input()) {
    if (initializerNames.contains(input.name()))
      continue;
    const auto &type = input.type();
    if (!type.has_tensor_type() ||
        type.tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      throw ImportError("input '" + input.name() +
                        "' must be a float32 tensor");
    args.push_back({input.name(), "input",
                    f32Type(inputShape(input, options)), std::nullopt});
  }
  if (args.empty())
    throw ImportError("the model has no inputs");
  if (options.batch > 0) {
    // --batch must mean one dimension of the model: dimension 0 of every
    // input, where the declared inputs agree on it.
    std::string first;
    int64_t firstDim = 0;
    for (const auto &input : graph().input()) {
      if (!inputNames.contains(input.name()) ||
          options.inputShapes.count(input.name()))
        continue;
      const auto &dims = input.type().tensor_type().shape().dim();
      if (dims.empty())
        throw ImportError("--batch: input '" + input.name() +
                          "' is a scalar; give shapes with --input-shape");
      int64_t d = dims[0].has_dim_value() ? dims[0].dim_value() : -1;
      if (first.empty()) {
        first = input.name();
        firstDim = d;
      } else if (d != firstDim) {
        throw ImportError(
            "--batch is ambiguous: inputs '" + first + "' and '" +
            input.name() +
            "' differ in dimension 0; give every input's shape with "
            "--input-shape=NAME:d0,d1,...");
      }
    }
  }
  size_t numInputs = args.size();

  // Initializers, each followed by its untied aliases. Float tensors read
  // as graph values are parameters (frozen with --freeze), those read as
  // running estimates are state, everything else is a constant.
  llvm::StringSet<> frozen, known;
  for (const std::string &name : options.freeze)
    frozen.insert(name);
  SmallVector<Arg> params, states;
  auto classify = [&](const std::string &name, HostTensor h) {
    known.insert(name);
    const UseSummary &u = uses.lookup(name);
    if (u.asState) {
      if (!h.isFloat())
        throw ImportError("initializer '" + name +
                          "' is state (a running estimate) but not float32");
      if (u.asValue)
        throw ImportError(
            "initializer '" + name + "' is state of node '" +
            u.stateReader->name() + "' and also read as a tensor by node '" +
            u.valueReader->name() + "'");
      auto type = f32Type(h.shape);
      states.push_back({name, "state", type, std::move(h)});
      values[name] = Entry{}; // bound to its argument below
      return;
    }
    if (!h.isFloat() || !u.asValue) {
      values[name] = Entry{Value(), std::move(h)};
      return;
    }
    auto type = f32Type(h.shape);
    params.push_back({name, frozen.contains(name) ? "frozen" : "param", type,
                      std::move(h)});
    values[name] = Entry{};
  };
  for (const auto &init : graph().initializer()) {
    HostTensor h = fromTensorProto(init);
    classify(init.name(), h);
    for (const std::string &alias : aliasesOf.lookup(init.name()))
      classify(alias, h);
  }
  for (const auto &name : frozen)
    if (!known.contains(name.getKey()))
      throw ImportError("--freeze names '" + name.getKey().str() +
                        "', which is not an initializer of the model");
  args.append(params.begin(), params.end());
  args.append(states.begin(), states.end());

  std::string outName = options.output;
  if (outName.empty()) {
    if (graph().output_size() != 1) {
      std::string names;
      for (const auto &o : graph().output())
        names += (names.empty() ? "" : ", ") + o.name();
      throw ImportError("the model has " +
                        std::to_string(graph().output_size()) + " outputs (" +
                        names + "); choose one with --output=NAME");
    }
    outName = graph().output(0).name();
  }

  SmallVector<Type> argTypes;
  for (const Arg &a : args)
    argTypes.push_back(a.type);
  auto func = b.create<func::FuncOp>(b.getUnknownLoc(), "forward",
                                     b.getFunctionType(argTypes, {}));
  func->setAttr("pc.graph", b.getUnitAttr());
  Block *entry = func.addEntryBlock();
  for (auto [i, a] : llvm::enumerate(args)) {
    func.setArgAttr(i, "pc.name", b.getStringAttr(a.name));
    func.setArgAttr(i, "pc.role", b.getStringAttr(a.role));
    values[a.name] = Entry{entry->getArgument(i), std::nullopt};
    if (a.init)
      func.setArgAttr(i, "pc.init",
                      DenseElementsAttr::get(cast<RankedTensorType>(a.type),
                                             ArrayRef<float>(a.init->floats)));
  }
  b.setInsertionPointToStart(entry);

  for (const auto &node : graph().node()) {
    if (node.output_size() == 1 && aliasSource.count(node.output(0)))
      continue; // an untied alias: its own argument or constant
    importNode(node);
  }

  auto it = values.find(outName);
  if (it == values.end())
    throw ImportError("output '" + outName + "' is not a tensor of the graph");
  if (!it->second.value)
    throw ImportError("graph output '" + outName +
                      "' is a constant: nothing to train");
  Value out = it->second.value;
  auto argOut = dyn_cast<BlockArgument>(out);
  if (argOut && argOut.getArgNumber() >= numInputs)
    throw ImportError("graph output '" + outName +
                      "' is an initializer, not computed from an input");
  if (argOut) // y = Identity(x): the output needs a vertex
    out = b.create<pc::ReshapeOp>(b.getUnknownLoc(), out.getType(), out);
  b.create<func::ReturnOp>(b.getUnknownLoc(), out);
  func.setType(b.getFunctionType(argTypes, {out.getType()}));
  func.setResultAttr(0, "pc.name", b.getStringAttr(outName));
  if (options.batch > 0) {
    ArrayRef<int64_t> os = shapeOfValue(out);
    if (os.empty() || os[0] != options.batch)
      throw ImportError(
          "--batch=" + std::to_string(options.batch) +
          " set dimension 0 of the inputs, but the output '" + outName +
          "' is " + shapeString(os) +
          ": dimension 0 is not the batch; give the inputs' shapes with "
          "--input-shape=NAME:d0,d1,...");
  }

  // Drop what the output does not need (other outputs of multi-output
  // nodes, unused branches); every op emitted here is pure.
  SmallVector<Operation *> ops;
  for (Operation &op : entry->without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty())
      op->erase();

  // Parameters and state no vertex reads are dropped: they cannot be
  // trained.
  llvm::BitVector unused(func.getNumArguments());
  for (unsigned i = numInputs; i < func.getNumArguments(); ++i)
    if (func.getArgument(i).use_empty())
      unused.set(i);
  (void)func.eraseArguments(unused);
  return module;
}

void Importer::importNode(const onnx::NodeProto &node) {
  if (node.output_size() < 1)
    fail(node, "has no outputs");
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    fail(node, "operators of domain '" + node.domain() +
                   "' are not supported");
  const OpSpec *spec = opRegistry().lookup(node.op_type());
  if (!spec)
    fail(node, "operator is not supported; supported operators: " +
                   opRegistry().names());
  int runTimeInput = -1;
  for (int i = 0; i < node.input_size(); ++i)
    if (hasInput(node, i) && !isConstant(node, i)) {
      runTimeInput = i;
      break;
    }
  // The host evaluator's errors name no node: say which one.
  try {
    if (spec->fold && (runTimeInput < 0 || spec->foldsOnShapes)) {
      Folded folded;
      try {
        folded = spec->fold(*this, node);
      } catch (const HostSizeError &) {
        if (!spec->import)
          throw;
      }
      if (folded) {
        for (auto [k, t] : llvm::enumerate(*folded))
          if (wantsOutput(node, k))
            values[node.output(k)] = Entry{Value(), std::move(t)};
        return;
      }
    }
    if (!spec->import)
      fail(node, "is supported only on compile-time constants; input '" +
                     node.input(runTimeInput) + "' is computed at run time");
    spec->import(*this, node);
  } catch (const ImportError &e) {
    if (StringRef(e.what()).starts_with("node '"))
      throw;
    fail(node, e.what());
  }
}

} // namespace pcc::detail

const char *pcc::supportedOnnxOperators() {
  static const std::string names = pcc::detail::opRegistry().names();
  return names.c_str();
}

/// Reads `path`, or parses `data` when given (`path` then only names the
/// model in messages).
static bool parseModel(const std::string &path,
                       const std::optional<std::string> &data,
                       onnx::ModelProto &model, std::string &error) {
  std::string bytes;
  if (!data) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error = "cannot open '" + path + "'";
      return false;
    }
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string &b = data ? *data : bytes;
  if (b.empty()) {
    error = "'" + path + "' is empty, not an ONNX model";
    return false;
  }
  if (!model.ParseFromString(b)) {
    error = "'" + path + "' is not a valid ONNX model (protobuf parse failed)";
    return false;
  }
  return true;
}

OwningOpRef<ModuleOp> pcc::importOnnxFile(MLIRContext &context,
                                          const std::string &path,
                                          const ImportOptions &options,
                                          std::string &error) {
  return importOnnx(context, path, std::nullopt, options, error);
}

OwningOpRef<ModuleOp> pcc::importOnnx(MLIRContext &context,
                                      const std::string &path,
                                      const std::optional<std::string> &data,
                                      const ImportOptions &options,
                                      std::string &error) {
  context.loadDialect<pc::PCDialect, func::FuncDialect, arith::ArithDialect>();
  onnx::ModelProto model;
  if (!parseModel(path, data, model, error))
    return nullptr;
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    error = "'" + path + "' fails the ONNX checker: " + msg;
    return nullptr;
  }
  try {
    pcc::detail::Importer importer(context, model, options);
    return importer.run();
  } catch (const pcc::detail::ImportError &e) {
    error = e.what();
  } catch (const std::exception &e) {
    error = std::string("import failed: ") + e.what();
  }
  return nullptr;
}
