//===- OnnxImporter.cpp - ONNX to the pc dialect --------------------------===//
//
// libonnx parses and checks the model; the importer walks the nodes in order,
// folding everything computable at compile time (shape arithmetic that
// PyTorch exports) on the host and emitting pc ops for the rest.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <fstream>
#include <numeric>

using namespace mlir;

namespace pcc::detail {

static const char *kSupported =
    "Abs, Add, AveragePool, BatchNormalization (inference), Cast (constant), "
    "Clip, Concat, Constant, ConstantOfShape, Conv, Div, Dropout (identity), "
    "Elu, Exp, Expand, Flatten, Gather (constant indices), Gemm, "
    "GlobalAveragePool, GRU, Identity, LeakyRelu, Log, LogSoftmax, LSTM, "
    "MatMul, MaxPool, Mul, Neg, Pad (constant mode), Pow (constant exponent), "
    "ReduceMean, ReduceSum, Relu, Reshape, RNN, Shape, Sigmoid, Slice, "
    "Softmax, Softplus, Split, Sqrt, Squeeze, Sub, Tanh, Transpose, Unsqueeze";

/// Inputs of `op` that must be compile-time constants.
static ArrayRef<int> constantInputPositions(StringRef op) {
  static const int none[] = {-1}, one[] = {1}, oneTwo[] = {1, 2},
                   pad[] = {1, 2, 3}, slice[] = {1, 2, 3, 4}, bn[] = {3, 4},
                   recurrent[] = {4};
  if (op == "BatchNormalization")
    return bn;
  if (op == "Clip")
    return oneTwo;
  if (op == "Pad")
    return pad;
  if (op == "Slice")
    return slice;
  if (op == "RNN" || op == "GRU" || op == "LSTM")
    return recurrent;
  if (op == "Pow" || op == "Split" || op == "Expand" || op == "ReduceSum" ||
      op == "ReduceMean" || op == "Squeeze" || op == "Unsqueeze" ||
      op == "Gather" || op == "Reshape")
    return one;
  return none;
}

HostTensor fromTensorProto(const onnx::TensorProto &t) {
  HostTensor h;
  for (int64_t d : t.dims())
    h.shape.push_back(d);
  int64_t n = numElements(h.shape);
  auto raw = [&](auto *dst, size_t elemSize) {
    if (t.raw_data().size() != n * elemSize)
      throw ImportError("tensor '" + t.name() + "' has " +
                        std::to_string(t.raw_data().size()) +
                        " bytes of raw data, expected " +
                        std::to_string(n * elemSize));
    std::memcpy(dst, t.raw_data().data(), n * elemSize);
  };
  // bool and int32 are both stored in int32_data unless raw.
  auto readNarrowInts = [&](auto elem) {
    using Elem = decltype(elem);
    h.ints.resize(n);
    if (t.has_raw_data()) {
      std::vector<Elem> tmp(n);
      raw(tmp.data(), sizeof(Elem));
      std::copy(tmp.begin(), tmp.end(), h.ints.begin());
    } else if (t.int32_data_size() == n) {
      std::copy(t.int32_data().begin(), t.int32_data().end(), h.ints.begin());
    } else {
      throw ImportError("tensor '" + t.name() + "' has the wrong element count");
    }
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    h.isFloat = true;
    h.floats.resize(n);
    if (t.has_raw_data())
      raw(h.floats.data(), 4);
    else if (t.float_data_size() == n)
      std::copy(t.float_data().begin(), t.float_data().end(), h.floats.begin());
    else
      throw ImportError("tensor '" + t.name() + "' has the wrong element count");
    break;
  case onnx::TensorProto::INT64:
    h.ints.resize(n);
    if (t.has_raw_data())
      raw(h.ints.data(), 8);
    else if (t.int64_data_size() == n)
      std::copy(t.int64_data().begin(), t.int64_data().end(), h.ints.begin());
    else
      throw ImportError("tensor '" + t.name() + "' has the wrong element count");
    break;
  case onnx::TensorProto::BOOL:
    readNarrowInts(uint8_t());
    break;
  case onnx::TensorProto::INT32:
    readNarrowInts(int32_t());
    break;
  default:
    throw ImportError("tensor '" + t.name() + "' has element type " +
                      onnx::TensorProto::DataType_Name(
                          (onnx::TensorProto::DataType)t.data_type()) +
                      "; only float32, int64, int32 and bool are supported");
  }
  return h;
}

OwningOpRef<ModuleOp> Importer::run() {
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  if (opset < 1)
    throw ImportError("model imports no default-domain opset");

  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module->getBody());

  llvm::StringMap<const onnx::TensorProto *> initializers;
  for (const auto &init : graph().initializer())
    initializers[init.name()] = &init;

  // Model inputs: graph inputs that are not initializers.
  SmallVector<Type> argTypes;
  SmallVector<std::pair<std::string, std::string>> argNames; // name, role
  for (const auto &input : graph().input()) {
    if (initializers.count(input.name()))
      continue;
    const auto &type = input.type();
    if (!type.has_tensor_type() ||
        type.tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      throw ImportError("input '" + input.name() +
                        "' must be a float32 tensor");
    SmallVector<int64_t> shape;
    const auto &dims = type.tensor_type().shape().dim();
    for (int d = 0; d < dims.size(); ++d) {
      if (d == 0 && options.batch > 0) {
        shape.push_back(options.batch);
        continue;
      }
      if (!dims[d].has_dim_value() || dims[d].dim_value() <= 0)
        throw ImportError(
            "input '" + input.name() + "' dimension " + std::to_string(d) +
            " is not static" +
            (d == 0 ? " (give the batch size with --batch=N)" : ""));
      shape.push_back(dims[d].dim_value());
    }
    argTypes.push_back(RankedTensorType::get(shape, b.getF32Type()));
    argNames.push_back({input.name(), "input"});
  }
  if (argTypes.empty())
    throw ImportError("the model has no inputs");
  size_t numInputs = argTypes.size();

  // Float initializers are trainable parameters; integer ones are constants,
  // and so are float ones read only where a constant is required (batch
  // norm statistics, clip bounds, exponents, pad values).
  llvm::StringMap<bool> onlyConstantUses;
  for (const auto &node : graph().node()) {
    ArrayRef<int> positions = constantInputPositions(node.op_type());
    for (int i = 0; i < node.input_size(); ++i) {
      bool isConst = llvm::is_contained(positions, i);
      auto [it, inserted] = onlyConstantUses.try_emplace(node.input(i), isConst);
      if (!inserted)
        it->second &= isConst;
    }
  }
  SmallVector<HostTensor> paramData;
  for (const auto &init : graph().initializer()) {
    HostTensor h = fromTensorProto(init);
    if (!h.isFloat || onlyConstantUses.lookup(init.name())) {
      values[init.name()] = Entry{Value(), std::move(h)};
      continue;
    }
    argTypes.push_back(RankedTensorType::get(h.shape, b.getF32Type()));
    argNames.push_back({init.name(), "param"});
    paramData.push_back(std::move(h));
  }

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

  auto func = b.create<func::FuncOp>(
      b.getUnknownLoc(), "forward", b.getFunctionType(argTypes, {}));
  func->setAttr("pc.graph", b.getUnitAttr());
  Block *entry = func.addEntryBlock();
  for (auto [i, nameRole] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "pc.name", b.getStringAttr(nameRole.first));
    func.setArgAttr(i, "pc.role", b.getStringAttr(nameRole.second));
    values[nameRole.first] = Entry{entry->getArgument(i), std::nullopt};
    if (i >= numInputs) {
      const HostTensor &h = paramData[i - numInputs];
      auto type = cast<RankedTensorType>(argTypes[i]);
      func.setArgAttr(i, "pc.init",
                      DenseElementsAttr::get(type, ArrayRef<float>(h.floats)));
    }
  }
  b.setInsertionPointToStart(entry);

  for (const auto &node : graph().node())
    importNode(node);

  auto it = values.find(outName);
  if (it == values.end())
    throw ImportError("output '" + outName + "' is not a tensor of the graph");
  if (!it->second.value)
    throw ImportError("graph output '" + outName +
                      "' is a constant: nothing to train");
  Value out = it->second.value;
  if (isa<BlockArgument>(out)) // y = Identity(x): the output needs a vertex
    out = b.create<pc::ReshapeOp>(b.getUnknownLoc(), out.getType(), out);
  b.create<func::ReturnOp>(b.getUnknownLoc(), out);
  func.setType(b.getFunctionType(argTypes, {out.getType()}));

  // Drop what the output does not need (other outputs of multi-output
  // nodes, unused branches); every op emitted here is pure.
  SmallVector<Operation *> ops;
  for (Operation &op : entry->without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty())
      op->erase();

  // Parameters no vertex reads are dropped: they cannot be trained.
  llvm::BitVector unused(func.getNumArguments());
  for (unsigned i = numInputs; i < func.getNumArguments(); ++i)
    if (func.getArgument(i).use_empty())
      unused.set(i);
  (void)func.eraseArguments(unused);
  return module;
}

//===----------------------------------------------------------------------===//
// Host folding of compile-time constants (shape arithmetic)
//===----------------------------------------------------------------------===//

bool Importer::foldNode(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (op == "Constant") {
    HostTensor h;
    if (const auto *a = attr(node, "value")) {
      h = fromTensorProto(a->t());
    } else if (const auto *a = attr(node, "value_float")) {
      h.isFloat = true;
      h.floats = {a->f()};
    } else if (const auto *a = attr(node, "value_floats")) {
      h.isFloat = true;
      h.floats.assign(a->floats().begin(), a->floats().end());
      h.shape = {(int64_t)h.floats.size()};
    } else if (const auto *a = attr(node, "value_int")) {
      h.ints = {a->i()};
    } else if (const auto *a = attr(node, "value_ints")) {
      h.ints.assign(a->ints().begin(), a->ints().end());
      h.shape = {(int64_t)h.ints.size()};
    } else {
      fail(node, "needs one of value, value_float(s), value_int(s)");
    }
    defineConstant(node, std::move(h));
    return true;
  }
  if (op == "Shape") {
    HostTensor h;
    for (int64_t d : shapeOf(node, 0))
      h.ints.push_back(d);
    int64_t rank = h.ints.size();
    int64_t start = intAttr(node, "start", 0), end = intAttr(node, "end", rank);
    start = std::clamp(start < 0 ? start + rank : start, (int64_t)0, rank);
    end = std::clamp(end < 0 ? end + rank : end, (int64_t)0, rank);
    h.ints = std::vector<int64_t>(h.ints.begin() + start,
                                  h.ints.begin() + std::max(start, end));
    h.shape = {(int64_t)h.ints.size()};
    defineConstant(node, std::move(h));
    return true;
  }

  // The rest fold only when every input is a compile-time constant.
  for (int i = 0; i < node.input_size(); ++i)
    if (!node.input(i).empty() && !lookup(node, i).constant)
      return false;

  if (op == "Identity") {
    defineConstant(node, *lookup(node, 0).constant);
    return true;
  }
  if (op == "Gather") {
    const HostTensor &data = *lookup(node, 0).constant;
    const HostTensor &idx = *lookup(node, 1).constant;
    if (data.shape.size() != 1)
      return false; // imported as a graph op on the materialised constant
    HostTensor h;
    h.isFloat = data.isFloat;
    h.shape = idx.shape;
    int64_t n = data.size();
    for (int64_t k = 0; k < idx.size(); ++k) {
      int64_t j = idx.intAt(k);
      if (j < -n || j >= n)
        fail(node, "index " + std::to_string(j) + " out of range");
      j = j < 0 ? j + n : j;
      if (h.isFloat)
        h.floats.push_back(data.floats[j]);
      else
        h.ints.push_back(data.ints[j]);
    }
    defineConstant(node, std::move(h));
    return true;
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    HostTensor h = *lookup(node, 0).constant;
    SmallVector<int64_t> axes;
    if (opset >= 13 && hasInput(node, 1)) {
      const HostTensor &a = *lookup(node, 1).constant;
      for (int64_t k = 0; k < a.size(); ++k)
        axes.push_back(a.intAt(k));
    } else if (auto a = intsAttr(node, "axes")) {
      axes = *a;
    }
    if (op == "Unsqueeze") {
      int64_t rank = h.shape.size() + axes.size();
      for (int64_t &a : axes)
        a = a < 0 ? a + rank : a;
      llvm::sort(axes);
      for (int64_t a : axes)
        h.shape.insert(h.shape.begin() + std::min<int64_t>(a, h.shape.size()), 1);
    } else {
      SmallVector<int64_t> kept;
      int64_t rank = h.shape.size();
      for (int64_t &a : axes)
        a = a < 0 ? a + rank : a;
      for (int64_t d = 0; d < rank; ++d)
        if (axes.empty() ? h.shape[d] != 1 : !llvm::is_contained(axes, d))
          kept.push_back(h.shape[d]);
      h.shape = kept;
    }
    defineConstant(node, std::move(h));
    return true;
  }
  if (op == "Concat") {
    HostTensor h;
    h.isFloat = lookup(node, 0).constant->isFloat;
    for (int i = 0; i < node.input_size(); ++i) {
      const HostTensor &p = *lookup(node, i).constant;
      if (p.shape.size() > 1)
        return false; // imported as a graph op
      for (int64_t k = 0; k < p.size(); ++k) {
        if (h.isFloat)
          h.floats.push_back(p.at(k));
        else
          h.ints.push_back(p.intAt(k));
      }
    }
    h.shape = {h.size()};
    defineConstant(node, std::move(h));
    return true;
  }
  if (op == "Expand") {
    const HostTensor &x = *lookup(node, 0).constant;
    const HostTensor &s = *lookup(node, 1).constant;
    SmallVector<int64_t> target;
    for (int64_t k = 0; k < s.size(); ++k)
      target.push_back(s.intAt(k));
    FailureOr<SmallVector<int64_t>> shape = pc::broadcastShapes(x.shape, target);
    if (failed(shape))
      fail(node, "input " + shapeString(x.shape) + " does not broadcast to " +
                     shapeString(target));
    HostTensor h;
    h.isFloat = x.isFloat;
    h.shape = *shape;
    int64_t n = numElements(h.shape), rank = h.shape.size();
    int64_t lead = rank - x.shape.size();
    for (int64_t flat = 0; flat < n; ++flat) {
      int64_t rest = flat, src = 0, stride = 1;
      for (int64_t d = rank - 1; d >= 0; --d) {
        int64_t i = rest % h.shape[d];
        rest /= h.shape[d];
        if (d >= lead) {
          int64_t xd = x.shape[d - lead];
          src += (xd == 1 ? 0 : i) * stride;
          stride *= xd;
        }
      }
      if (h.isFloat)
        h.floats.push_back(x.floats[src]);
      else
        h.ints.push_back(x.ints[src]);
    }
    defineConstant(node, std::move(h));
    return true;
  }
  if (op == "ConstantOfShape") {
    const HostTensor &s = *lookup(node, 0).constant;
    HostTensor h;
    for (int64_t k = 0; k < s.size(); ++k)
      h.shape.push_back(s.intAt(k));
    double fillValue = 0;
    h.isFloat = true;
    if (const auto *a = attr(node, "value")) {
      HostTensor v = fromTensorProto(a->t());
      h.isFloat = v.isFloat;
      fillValue = v.at(0);
    }
    int64_t n = numElements(h.shape);
    if (h.isFloat)
      h.floats.assign(n, fillValue);
    else
      h.ints.assign(n, (int64_t)fillValue);
    defineConstant(node, std::move(h));
    return true;
  }
  if (op == "Cast") {
    HostTensor h = *lookup(node, 0).constant;
    int64_t to = intAttr(node, "to", 0);
    if (to == onnx::TensorProto::FLOAT && !h.isFloat) {
      h.floats.assign(h.ints.begin(), h.ints.end());
      h.ints.clear();
      h.isFloat = true;
    } else if ((to == onnx::TensorProto::INT64 ||
                to == onnx::TensorProto::INT32) &&
               h.isFloat) {
      for (float f : h.floats)
        h.ints.push_back((int64_t)f);
      h.floats.clear();
      h.isFloat = false;
    }
    defineConstant(node, std::move(h));
    return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Graph ops
//===----------------------------------------------------------------------===//

void Importer::importGemm(const onnx::NodeProto &node) {
  rejectAttrsExcept(node, {"alpha", "beta", "transA", "transB"});
  Value a = tensor(node, 0), bm = tensor(node, 1);
  auto as = cast<RankedTensorType>(a.getType()).getShape();
  auto bs = cast<RankedTensorType>(bm.getType()).getShape();
  if (as.size() != 2 || bs.size() != 2)
    fail(node, "A and B must be 2-D, got " + shapeString(as) + " and " +
                   shapeString(bs));
  bool ta = intAttr(node, "transA", 0), tb = intAttr(node, "transB", 0);
  int64_t m = ta ? as[1] : as[0], k = ta ? as[0] : as[1];
  int64_t k2 = tb ? bs[1] : bs[0], n = tb ? bs[0] : bs[1];
  if (k != k2)
    fail(node, "inner dimensions differ: A " + shapeString(as) + ", B " +
                   shapeString(bs));
  Location l = loc(node);
  auto scalar = [&](float v) -> Value {
    return b.create<arith::ConstantOp>(
        l, DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                  ArrayRef<float>{v}));
  };
  Value y = b.create<pc::MatMulOp>(
      l, RankedTensorType::get({m, n}, b.getF32Type()), a, bm, ta, tb);
  float alpha = floatAttr(node, "alpha", 1.0f), beta = floatAttr(node, "beta", 1.0f);
  if (alpha != 1.0f)
    y = binary<pc::MulOp>(node, y, scalar(alpha));
  if (hasInput(node, 2) && beta != 0.0f) {
    Value c = tensor(node, 2);
    auto cs = cast<RankedTensorType>(c.getType()).getShape();
    FailureOr<SmallVector<int64_t>> bc = pc::broadcastShapes(cs, {m, n});
    if (failed(bc) || (*bc)[0] != m || (*bc)[1] != n)
      fail(node, "C " + shapeString(cs) + " does not broadcast to " +
                     shapeString({m, n}));
    if (beta != 1.0f)
      c = binary<pc::MulOp>(node, c, scalar(beta));
    y = binary<pc::AddOp>(node, y, c);
  }
  define(node, y);
}

void Importer::importMatMul(const onnx::NodeProto &node) {
  Value a = tensor(node, 0), bm = tensor(node, 1);
  auto as = cast<RankedTensorType>(a.getType()).getShape();
  auto bs = cast<RankedTensorType>(bm.getType()).getShape();
  if (as.size() < 2 || bs.size() != 2)
    fail(node, "supported forms are N-D x 2-D with N >= 2; got " +
                   shapeString(as) + " x " + shapeString(bs));
  if (as.back() != bs[0])
    fail(node, "inner dimensions differ: " + shapeString(as) + " x " +
                   shapeString(bs));
  Location l = loc(node);
  int64_t rows = numElements(as) / as.back();
  Value a2 = reshape(l, a, {rows, as.back()});
  Value y = b.create<pc::MatMulOp>(
      l, RankedTensorType::get({rows, bs[1]}, b.getF32Type()), a2, bm, false,
      false);
  SmallVector<int64_t> outShape(as.begin(), as.end());
  outShape.back() = bs[1];
  define(node, reshape(l, y, outShape));
}

void Importer::importReshape(const onnx::NodeProto &node) {
  Value x = tensor(node, 0);
  auto in = cast<RankedTensorType>(x.getType()).getShape();
  SmallVector<int64_t> target;
  if (opset >= 5) {
    const HostTensor &s = constant(node, 1, "the shape");
    for (int64_t k = 0; k < s.size(); ++k)
      target.push_back(s.intAt(k));
  } else if (auto s = intsAttr(node, "shape")) {
    target = *s;
  }
  bool allowZero = intAttr(node, "allowzero", 0);
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        fail(node, "shape entry 0 at position " + std::to_string(i) +
                       " has no input dimension to copy");
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        fail(node, "more than one -1 in the target shape");
      inferred = i;
      continue;
    }
    if (d < 0)
      fail(node, "invalid target dimension " + std::to_string(d));
    known *= d;
  }
  int64_t total = numElements(in);
  if (inferred >= 0) {
    if (known == 0 || total % known)
      fail(node, "cannot reshape " + shapeString(in) + " to " +
                     shapeString(target));
    target[inferred] = total / known;
  }
  if (numElements(target) != total)
    fail(node, "cannot reshape " + shapeString(in) + " to " +
                   shapeString(target));
  define(node, reshape(loc(node), x, target));
}

void Importer::importSoftmax(const onnx::NodeProto &node, bool log) {
  Value x = tensor(node, 0);
  auto shape = cast<RankedTensorType>(x.getType()).getShape();
  int64_t rank = shape.size();
  Location l = loc(node);
  auto make = [&](Value v, int64_t axis) -> Value {
    if (log)
      return b.create<pc::LogSoftmaxOp>(l, v, axis);
    return b.create<pc::SoftmaxOp>(l, v, axis);
  };
  if (opset >= 13) {
    int64_t axis = normAxis(node, intAttr(node, "axis", -1), rank);
    define(node, make(x, axis));
    return;
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  int64_t axis = normAxis(node, intAttr(node, "axis", 1), rank);
  int64_t outer = numElements(shape.take_front(axis));
  Value flat = reshape(l, x, {outer, numElements(shape) / outer});
  define(node, reshape(l, make(flat, 1), shape));
}

void Importer::importSqueeze(const onnx::NodeProto &node, bool unsqueeze) {
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  SmallVector<int64_t> axes;
  if (opset >= 13 && hasInput(node, 1))
    axes = constantInts(node, 1, "axes");
  else if (auto a = intsAttr(node, "axes"))
    axes = *a;
  int64_t rank = xs.size() + (unsqueeze ? axes.size() : 0);
  for (int64_t &a : axes)
    a = normAxis(node, a, rank);
  SmallVector<int64_t> out;
  if (unsqueeze) {
    llvm::sort(axes);
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
      fail(node, "axes repeat");
    out.assign(xs.begin(), xs.end());
    for (int64_t a : axes)
      out.insert(out.begin() + a, 1);
  } else {
    for (int64_t d = 0; d < rank; ++d) {
      bool drop = axes.empty() ? xs[d] == 1 : llvm::is_contained(axes, d);
      if (drop && xs[d] != 1)
        fail(node, "cannot squeeze axis " + std::to_string(d) + " of size " +
                       std::to_string(xs[d]));
      if (!drop)
        out.push_back(xs[d]);
    }
  }
  define(node, reshape(loc(node), x, out));
}

void Importer::importNode(const onnx::NodeProto &node) {
  if (node.output_size() < 1)
    fail(node, "has no outputs");
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    fail(node, "operators of domain '" + node.domain() +
                   "' are not supported");
  if (foldNode(node))
    return;
  const std::string &op = node.op_type();
  Location l = loc(node);
  if (op == "Gemm")
    return importGemm(node);
  if (op == "MatMul")
    return importMatMul(node);
  if (op == "Reshape")
    return importReshape(node);
  if (op == "Softmax" || op == "LogSoftmax")
    return importSoftmax(node, op == "LogSoftmax");
  if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div") &&
      attr(node, "broadcast"))
    fail(node, "the legacy 'broadcast' attribute (opset < 7) is not supported");
  if (op == "Add")
    return define(node, binary<pc::AddOp>(node, tensor(node, 0), tensor(node, 1)));
  if (op == "Sub")
    return define(node, binary<pc::SubOp>(node, tensor(node, 0), tensor(node, 1)));
  if (op == "Mul")
    return define(node, binary<pc::MulOp>(node, tensor(node, 0), tensor(node, 1)));
  if (op == "Div")
    return define(node, binary<pc::DivOp>(node, tensor(node, 0), tensor(node, 1)));
  if (op == "Neg")
    return define(node, b.create<pc::NegOp>(l, tensor(node, 0)));
  if (op == "Relu")
    return define(node, b.create<pc::ReluOp>(l, tensor(node, 0)));
  if (op == "Sigmoid")
    return define(node, b.create<pc::SigmoidOp>(l, tensor(node, 0)));
  if (op == "Tanh")
    return define(node, b.create<pc::TanhOp>(l, tensor(node, 0)));
  if (op == "Exp")
    return define(node, b.create<pc::ExpOp>(l, tensor(node, 0)));
  if (op == "Log")
    return define(node, b.create<pc::LogOp>(l, tensor(node, 0)));
  if (op == "LeakyRelu")
    return define(node, b.create<pc::LeakyReluOp>(
                            l, tensor(node, 0),
                            b.getF32FloatAttr(floatAttr(node, "alpha", 0.01f))));
  if (op == "Identity") {
    values[node.output(0)] = lookup(node, 0);
    return;
  }
  if (op == "Flatten") {
    Value x = tensor(node, 0);
    auto shape = cast<RankedTensorType>(x.getType()).getShape();
    int64_t rank = shape.size();
    int64_t axis = intAttr(node, "axis", 1);
    if (axis < -rank || axis > rank)
      fail(node, "axis " + std::to_string(axis) + " out of range for rank " +
                     std::to_string(rank));
    axis = axis < 0 ? axis + rank : axis;
    int64_t outer = numElements(shape.take_front(axis));
    return define(node, reshape(l, x, {outer, numElements(shape) / outer}));
  }
  if (op == "Transpose") {
    Value x = tensor(node, 0);
    auto shape = cast<RankedTensorType>(x.getType()).getShape();
    int64_t rank = shape.size();
    SmallVector<int64_t> perm;
    if (auto p = intsAttr(node, "perm"))
      perm = *p;
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    if ((int64_t)perm.size() != rank)
      fail(node, "perm has " + std::to_string(perm.size()) +
                     " entries for rank " + std::to_string(rank));
    SmallVector<int64_t> out;
    SmallVector<bool> seen(rank, false);
    for (int64_t p : perm) {
      if (p < 0 || p >= rank || seen[p])
        fail(node, "perm is not a permutation of 0.." + std::to_string(rank - 1));
      seen[p] = true;
      out.push_back(shape[p]);
    }
    return define(node, b.create<pc::TransposeOp>(
                            l, RankedTensorType::get(out, b.getF32Type()), x,
                            b.getDenseI64ArrayAttr(perm)));
  }
  if (op == "Squeeze" || op == "Unsqueeze")
    return importSqueeze(node, op == "Unsqueeze");
  if (importNNOp(node) || importRecurrentOp(node))
    return;
  if (op == "ConstantOfShape" || op == "Cast")
    fail(node, "is supported only on compile-time constants");
  fail(node, Twine("operator is not supported; supported operators: ") +
                 kSupported);
}

} // namespace pcc::detail

const char *pcc::supportedOnnxOperators() { return pcc::detail::kSupported; }

OwningOpRef<ModuleOp> pcc::importOnnxFile(MLIRContext &context,
                                          const std::string &path,
                                          const ImportOptions &options,
                                          std::string &error) {
  context.loadDialect<pc::PCDialect, func::FuncDialect, arith::ArithDialect>();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "'";
    return nullptr;
  }
  onnx::ModelProto model;
  if (in.peek() == std::ifstream::traits_type::eof()) {
    error = "'" + path + "' is empty, not an ONNX model";
    return nullptr;
  }
  if (!model.ParseFromIstream(&in)) {
    error = "'" + path + "' is not a valid ONNX model (protobuf parse failed)";
    return nullptr;
  }
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
