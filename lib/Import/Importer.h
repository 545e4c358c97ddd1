//===- Importer.h - the ONNX importer's internals ---------------*- C++ -*-===//
//
// The importer walks the graph's nodes in order. Every ONNX operator has one
// entry in the operator registry (OpSpec): how it imports into the pc
// dialect, which of its inputs must be compile-time constants, and how it
// folds when its inputs are constants (evaluated on the host with
// HostTensor.h). The entries live in ImportMath.cpp (arithmetic, matrix
// products), ImportShape.cpp (shapes and data movement), ImportNN.cpp
// (convolution, pooling, normalisation, resizing) and ImportRecurrent.cpp
// (RNN, GRU, LSTM unrolled in time); OnnxImporter.cpp is the driver.
//
//===----------------------------------------------------------------------===//
#ifndef PCC_LIB_IMPORT_IMPORTER_H
#define PCC_LIB_IMPORT_IMPORTER_H

#include "HostTensor.h"
#include "pc/PCOps.h"
#include "pcc/Import/OnnxImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <optional>

namespace pcc::detail {

using namespace mlir;

struct Entry {
  Value value;                        // a tensor in the graph
  std::optional<HostTensor> constant; // or a compile-time constant
};

class Importer;

/// How a node reads one of its inputs.
enum class InputUse {
  Value,    // a graph tensor (or a constant materialised as one)
  Constant, // must be known at compile time (shapes, axes, statistics...)
  State,    // state the library carries between calls (running estimates)
};

using Folded = std::optional<SmallVector<HostTensor>>;

/// One ONNX operator: everything the importer knows of it.
struct OpSpec {
  /// Emits the graph form. Empty: the op exists only as a fold.
  std::function<void(Importer &, const onnx::NodeProto &)> import;
  /// Evaluates the op on the host when every input is a constant (or, with
  /// `foldsOnShapes`, from its inputs' shapes alone): one tensor per output,
  /// or nullopt to import it instead.
  std::function<Folded(Importer &, const onnx::NodeProto &)> fold;
  /// Inputs that must be compile-time constants in the graph form.
  SmallVector<int, 4> constantInputs;
  /// Overrides `constantInputs` where the use depends on the node.
  std::function<InputUse(const onnx::NodeProto &, int index, int64_t opset)>
      inputUse;
  bool foldsOnShapes = false;

  InputUse useOf(const onnx::NodeProto &node, int index, int64_t opset) const {
    if (inputUse)
      return inputUse(node, index, opset);
    return llvm::is_contained(constantInputs, index) ? InputUse::Constant
                                                     : InputUse::Value;
  }
};

class OpRegistry {
public:
  void add(StringRef name, OpSpec spec) {
    bool inserted = ops.try_emplace(name, std::move(spec)).second;
    assert(inserted && "operator registered twice");
    (void)inserted;
  }
  const OpSpec *lookup(StringRef name) const {
    auto it = ops.find(name);
    return it == ops.end() ? nullptr : &it->second;
  }
  /// The registered operator names, sorted, comma-separated.
  std::string names() const;

private:
  llvm::StringMap<OpSpec> ops;
};

/// Every operator the importer knows, registered once.
const OpRegistry &opRegistry();
void registerMathOps(OpRegistry &r);
void registerShapeOps(OpRegistry &r);
void registerNNOps(OpRegistry &r);
void registerRecurrentOps(OpRegistry &r);

/// A fold's single result.
inline Folded one(HostTensor t) { return SmallVector<HostTensor>{std::move(t)}; }

class Importer {
public:
  Importer(MLIRContext &ctx, const onnx::ModelProto &model,
           const pcc::ImportOptions &options)
      : model(model), options(options), b(&ctx) {}

  OwningOpRef<ModuleOp> run();

  const onnx::GraphProto &graph() const { return model.graph(); }

  [[noreturn]] void fail(const onnx::NodeProto &node, const Twine &msg) {
    // Unnamed nodes are named by their first output.
    std::string name = node.name().empty() && node.output_size()
                           ? "output " + node.output(0)
                           : node.name();
    throw ImportError(llvm::formatv("node '{0}' ({1}, opset {2}): {3}", name,
                                    node.op_type(), opset, msg.str())
                          .str());
  }

  //===--- inputs -------------------------------------------------------===//
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
  bool isConstant(const onnx::NodeProto &node, int i) {
    return lookup(node, i).constant.has_value();
  }
  /// The input as a graph tensor, materialising constants as f32.
  Value tensor(const onnx::NodeProto &node, int i);
  const HostTensor &constant(const onnx::NodeProto &node, int i,
                             const char *what) {
    const Entry &e = lookup(node, i);
    if (!e.constant)
      fail(node, Twine(what) + " (input '" + node.input(i) +
                     "') must be a compile-time constant");
    return *e.constant;
  }
  /// Every present input as a constant (the node folds).
  SmallVector<const HostTensor *> foldInputs(const onnx::NodeProto &node) {
    SmallVector<const HostTensor *> r;
    for (int i = 0; i < node.input_size(); ++i)
      if (hasInput(node, i))
        r.push_back(&*lookup(node, i).constant);
    return r;
  }
  /// Integer entries of a constant input (shape, axes, pads...).
  SmallVector<int64_t> constantInts(const onnx::NodeProto &node, int i,
                                    const char *what);
  ArrayRef<int64_t> shapeOf(const onnx::NodeProto &node, int i) {
    const Entry &e = lookup(node, i);
    if (e.value)
      return cast<RankedTensorType>(e.value.getType()).getShape();
    return e.constant->shape;
  }

  //===--- attributes ---------------------------------------------------===//
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
  std::string stringAttr(const onnx::NodeProto &node, StringRef name,
                         StringRef dflt) {
    const auto *a = attr(node, name);
    return a ? a->s() : dflt.str();
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
  int64_t normAxis(const onnx::NodeProto &node, int64_t axis, int64_t rank) {
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
      fail(node, "axis " + std::to_string(axis) + " out of range for rank " +
                     std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
  }
  /// The `axes` of a reduction-like node: input `inputIndex` from
  /// `inputOpset` on, else the attribute; normalised, sorted, unique.
  SmallVector<int64_t> axesOf(const onnx::NodeProto &node, int inputIndex,
                              int64_t inputOpset, int64_t rank);

  Location loc(const onnx::NodeProto &node) {
    return NameLoc::get(b.getStringAttr(node.name().empty() ? node.op_type()
                                                            : node.name()));
  }

  //===--- outputs ------------------------------------------------------===//
  void define(const onnx::NodeProto &node, Value v) { defineOutput(node, 0, v); }
  void defineOutput(const onnx::NodeProto &node, int k, Value v) {
    if (!wantsOutput(node, k))
      return;
    values[node.output(k)] = Entry{v, std::nullopt};
    // The op computing the output carries the tensor's name (queries clamp
    // hidden tensors by it): NameLoc(tensor, NameLoc(node)).
    Operation *def = v.getDefiningOp();
    if (def && def->getLoc() == loc(node))
      def->setLoc(NameLoc::get(b.getStringAttr(node.output(k)), loc(node)));
  }
  /// Output `k` is the same tensor as input `i`.
  void forward(const onnx::NodeProto &node, int i, int k = 0) {
    if (wantsOutput(node, k))
      values[node.output(k)] = lookup(node, i);
  }
  bool wantsOutput(const onnx::NodeProto &node, int k) {
    return k < node.output_size() && !node.output(k).empty();
  }

  //===--- graph builders -----------------------------------------------===//
  ArrayRef<int64_t> shapeOfValue(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  RankedTensorType f32Type(ArrayRef<int64_t> shape) {
    (void)numElements(shape); // every tensor type has a valid, bounded shape
    return RankedTensorType::get(shape, b.getF32Type());
  }
  Value reshape(Location l, Value v, ArrayRef<int64_t> shape) {
    auto type = f32Type(shape);
    if (v.getType() == type)
      return v;
    return b.create<pc::ReshapeOp>(l, type, v);
  }
  template <typename OpTy>
  Value binary(const onnx::NodeProto &node, Value l, Value r) {
    auto ls = shapeOfValue(l), rs = shapeOfValue(r);
    FailureOr<SmallVector<int64_t>> shape = pc::broadcastShapes(ls, rs);
    if (failed(shape))
      fail(node, "shapes " + shapeString(ls) + " and " + shapeString(rs) +
                     " do not broadcast");
    return b.create<OpTy>(loc(node), f32Type(*shape), l, r);
  }
  Value slice(Location l, Value v, ArrayRef<int64_t> starts,
              ArrayRef<int64_t> steps, ArrayRef<int64_t> shape);
  /// Rows [offset, offset+count) along `axis`, unit step.
  Value sliceAxis(Location l, Value v, int64_t axis, int64_t offset,
                  int64_t count);
  Value scalarConstant(Location l, float v) {
    return denseConstant(l, {}, ArrayRef<float>{v});
  }
  Value denseConstant(Location l, ArrayRef<int64_t> shape, ArrayRef<float> v) {
    return b.create<arith::ConstantOp>(
        l, DenseElementsAttr::get(f32Type(shape), v));
  }

  const onnx::ModelProto &model;
  pcc::ImportOptions options;
  OpBuilder b;
  int64_t opset = 0;
  llvm::StringMap<Entry> values;

private:
  void importNode(const onnx::NodeProto &node);
};

} // namespace pcc::detail

#endif
