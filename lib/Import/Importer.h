//===- Importer.h - the ONNX importer's internals ---------------*- C++ -*-===//
//
// Shared by the importer's source files: OnnxImporter.cpp (driver, folding,
// dense and elementwise ops), ImportNN.cpp (convolution, pooling,
// normalisation, data movement) and ImportRecurrent.cpp (RNN, GRU, LSTM
// unrolled in time).
//
//===----------------------------------------------------------------------===//
#ifndef PCC_LIB_IMPORT_IMPORTER_H
#define PCC_LIB_IMPORT_IMPORTER_H

#include "pcc/Import/OnnxImporter.h"
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <onnx/onnx_pb.h>

#include <numeric>
#include <optional>
#include <stdexcept>

namespace pcc::detail {

using namespace mlir;

/// A tensor known at compile time (a Constant, an integer initializer, or a
/// folded shape computation).
struct HostTensor {
  SmallVector<int64_t> shape;
  bool isFloat = false;
  std::vector<int64_t> ints;
  std::vector<float> floats;

  int64_t size() const { return isFloat ? floats.size() : ints.size(); }
  double at(int64_t i) const { return isFloat ? floats[i] : ints[i]; }
  int64_t intAt(int64_t i) const { return isFloat ? (int64_t)floats[i] : ints[i]; }
};

struct Entry {
  Value value;                       // a tensor in the graph
  std::optional<HostTensor> constant; // or a compile-time constant
};

struct ImportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline int64_t numElements(ArrayRef<int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), (int64_t)1,
                         std::multiplies<int64_t>());
}

inline std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "x" : "") + std::to_string(d);
  return s + "]";
}

HostTensor fromTensorProto(const onnx::TensorProto &t);

class Importer {
public:
  Importer(MLIRContext &ctx, const onnx::ModelProto &model,
           const pcc::ImportOptions &options)
      : model(model), options(options), b(&ctx) {}

  OwningOpRef<ModuleOp> run();

  // Internal to the importer; public for its source files' helpers.
  const onnx::GraphProto &graph() const { return model.graph(); }

  [[noreturn]] void fail(const onnx::NodeProto &node, const Twine &msg) {
    // Unnamed nodes are named by their first output.
    std::string name = node.name().empty() && node.output_size()
                           ? "output " + node.output(0)
                           : node.name();
    throw ImportError(llvm::formatv("node '{0}' ({1}, opset {2}): {3}", name,
                                    node.op_type(), opset,
                                    msg.str())
                          .str());
  }

  const Entry &lookup(const onnx::NodeProto &node, int i) {
    if (i >= node.input_size() || node.input(i).empty())
      fail(node, "missing input #" + std::to_string(i));
    auto it = values.find(node.input(i));
    if (it == values.end())
      fail(node, "input '" + node.input(i) + "' is not defined before use");
    return it->second;
  }
  bool hasInput(const onnx::NodeProto &node, int i) {
    return i < node.input_size() && !node.input(i).empty();
  }

  /// The input as a graph tensor, materialising constants.
  Value tensor(const onnx::NodeProto &node, int i) {
    const Entry &e = lookup(node, i);
    if (e.value)
      return e.value;
    const HostTensor &h = *e.constant;
    auto type = RankedTensorType::get(h.shape, b.getF32Type());
    std::vector<float> data(h.size());
    for (int64_t k = 0; k < h.size(); ++k)
      data[k] = h.at(k);
    return b.create<arith::ConstantOp>(
        loc(node), DenseElementsAttr::get(type, ArrayRef<float>(data)));
  }

  const HostTensor &constant(const onnx::NodeProto &node, int i,
                             const char *what) {
    const Entry &e = lookup(node, i);
    if (!e.constant)
      fail(node, Twine(what) + " (input '" + node.input(i) +
                     "') must be a compile-time constant");
    return *e.constant;
  }

  ArrayRef<int64_t> shapeOf(const onnx::NodeProto &node, int i) {
    const Entry &e = lookup(node, i);
    if (e.value)
      return cast<RankedTensorType>(e.value.getType()).getShape();
    return e.constant->shape;
  }

  const onnx::AttributeProto *attr(const onnx::NodeProto &node,
                                   StringRef name) {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  int64_t intAttr(const onnx::NodeProto &node, StringRef name, int64_t dflt) {
    const auto *a = attr(node, name);
    return a ? a->i() : dflt;
  }
  float floatAttr(const onnx::NodeProto &node, StringRef name, float dflt) {
    const auto *a = attr(node, name);
    return a ? a->f() : dflt;
  }
  std::optional<SmallVector<int64_t>> intsAttr(const onnx::NodeProto &node,
                                               StringRef name) {
    const auto *a = attr(node, name);
    if (!a)
      return std::nullopt;
    return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
  }
  void rejectAttrsExcept(const onnx::NodeProto &node,
                         std::initializer_list<StringRef> known) {
    for (const auto &a : node.attribute())
      if (llvm::find(known, a.name()) == known.end())
        fail(node, "attribute '" + a.name() + "' is not supported");
  }

  Location loc(const onnx::NodeProto &node) {
    return NameLoc::get(b.getStringAttr(node.name().empty() ? node.op_type()
                                                            : node.name()));
  }

  int64_t normAxis(const onnx::NodeProto &node, int64_t axis, int64_t rank) {
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
      fail(node, "axis " + std::to_string(axis) + " out of range for rank " +
                     std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
  }

  void define(const onnx::NodeProto &node, Value v) {
    values[node.output(0)] = Entry{v, std::nullopt};
  }
  void defineConstant(const onnx::NodeProto &node, HostTensor h) {
    values[node.output(0)] = Entry{Value(), std::move(h)};
  }

  Value reshape(Location l, Value v, ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, b.getF32Type());
    if (v.getType() == type)
      return v;
    return b.create<pc::ReshapeOp>(l, type, v);
  }

  template <typename OpTy>
  Value binary(const onnx::NodeProto &node, Value l, Value r) {
    auto ls = cast<RankedTensorType>(l.getType()).getShape();
    auto rs = cast<RankedTensorType>(r.getType()).getShape();
    FailureOr<SmallVector<int64_t>> shape = pc::broadcastShapes(ls, rs);
    if (failed(shape))
      fail(node, "shapes " + shapeString(ls) + " and " + shapeString(rs) +
                     " do not broadcast");
    return b.create<OpTy>(loc(node),
                          RankedTensorType::get(*shape, b.getF32Type()), l, r);
  }

  /// Integer entries of a constant input (shape, axes, pads...).
  SmallVector<int64_t> constantInts(const onnx::NodeProto &node, int i,
                                    const char *what) {
    const HostTensor &h = constant(node, i, what);
    SmallVector<int64_t> r;
    for (int64_t k = 0; k < h.size(); ++k)
      r.push_back(h.intAt(k));
    return r;
  }
  ArrayRef<int64_t> shapeOfValue(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  void defineOutput(const onnx::NodeProto &node, int k, Value v) {
    if (k < node.output_size() && !node.output(k).empty())
      values[node.output(k)] = Entry{v, std::nullopt};
  }
  bool wantsOutput(const onnx::NodeProto &node, int k) {
    return k < node.output_size() && !node.output(k).empty();
  }
  Value slice(Location l, Value v, ArrayRef<int64_t> starts,
              ArrayRef<int64_t> steps, ArrayRef<int64_t> shape) {
    if (shapeOfValue(v) == shape &&
        llvm::all_of(starts, [](int64_t s) { return s == 0; }) &&
        llvm::all_of(steps, [](int64_t s) { return s == 1; }))
      return v;
    return b.create<pc::SliceOp>(l, RankedTensorType::get(shape, b.getF32Type()),
                                 v, b.getDenseI64ArrayAttr(starts),
                                 b.getDenseI64ArrayAttr(steps));
  }
  /// Rows [offset, offset+count) along `axis`, unit step.
  Value sliceAxis(Location l, Value v, int64_t axis, int64_t offset,
                  int64_t count) {
    SmallVector<int64_t> shape(shapeOfValue(v));
    SmallVector<int64_t> starts(shape.size(), 0), steps(shape.size(), 1);
    starts[axis] = offset;
    shape[axis] = count;
    return slice(l, v, starts, steps, shape);
  }
  Value scalarConstant(Location l, float v) {
    return b.create<arith::ConstantOp>(
        l, DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                  ArrayRef<float>{v}));
  }
  Value denseConstant(Location l, ArrayRef<int64_t> shape, ArrayRef<float> v) {
    return b.create<arith::ConstantOp>(
        l, DenseElementsAttr::get(RankedTensorType::get(shape, b.getF32Type()),
                                  v));
  }

  void importNode(const onnx::NodeProto &node);
  void importSqueeze(const onnx::NodeProto &node, bool unsqueeze);
  /// Convolution, pooling, normalisation, data movement and the elementwise
  /// ops added with them; false if `node` is none of those.
  bool importNNOp(const onnx::NodeProto &node);
  void importConv(const onnx::NodeProto &node);
  void importPool(const onnx::NodeProto &node, bool max);
  void importBatchNorm(const onnx::NodeProto &node);
  void importSlice(const onnx::NodeProto &node);
  void importSplit(const onnx::NodeProto &node);
  void importPad(const onnx::NodeProto &node);
  void importReduce(const onnx::NodeProto &node, bool mean);
  void importGather(const onnx::NodeProto &node);
  void importConcat(const onnx::NodeProto &node);
  void importClip(const onnx::NodeProto &node);
  void importPow(const onnx::NodeProto &node);
  /// RNN, GRU and LSTM unrolled in time; false for other ops.
  bool importRecurrentOp(const onnx::NodeProto &node);
  bool foldNode(const onnx::NodeProto &node);
  void importGemm(const onnx::NodeProto &node);
  void importMatMul(const onnx::NodeProto &node);
  void importReshape(const onnx::NodeProto &node);
  void importSoftmax(const onnx::NodeProto &node, bool log);

  const onnx::ModelProto &model;
  pcc::ImportOptions options;
  OpBuilder b;
  int64_t opset = 0;
  llvm::StringMap<Entry> values;
};

} // namespace pcc::detail

#endif
