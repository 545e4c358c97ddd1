//===- HostTensor.h - compile-time tensors and their evaluation -*- C++ -*-===//
//
// The importer's one evaluator of ONNX operators on compile-time constants:
// tensors held on the host (float32, or integers and bools as int64 tagged
// with their ONNX type) and the kernels every operator's fold is written
// with (broadcasting elementwise maps, index remaps, reductions, casts).
//
//===----------------------------------------------------------------------===//
#ifndef PCC_LIB_IMPORT_HOSTTENSOR_H
#define PCC_LIB_IMPORT_HOSTTENSOR_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace pcc::detail {

/// A failure the importer reports as one line.
struct ImportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A compile-time constant too large to evaluate on the host; an op with a
/// graph form is then imported as graph ops instead of folded.
struct HostSizeError : ImportError {
  using ImportError::ImportError;
};

/// The most elements a tensor pcc compiles may have (2^40): every product
/// of dimensions of a valid shape stays far from int64 overflow.
constexpr int64_t kMaxTensorElements = int64_t(1) << 40;

/// The elements of `shape`; throws ImportError for a negative dimension or
/// more than kMaxTensorElements.
int64_t numElements(llvm::ArrayRef<int64_t> shape);
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// ONNX element types (TensorProto::DataType values) the host evaluator
/// holds: FLOAT, and the integer types and BOOL as int64.
enum HostType : int32_t {
  kFloat = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
};
bool isHostType(int32_t onnxType);
std::string typeName(int32_t onnxType);

/// A tensor known at compile time.
struct HostTensor {
  llvm::SmallVector<int64_t> shape;
  int32_t type = kFloat;
  std::vector<int64_t> ints; // every type but FLOAT
  std::vector<float> floats; // FLOAT

  bool isFloat() const { return type == kFloat; }
  int64_t size() const { return isFloat() ? floats.size() : ints.size(); }
  double at(int64_t i) const { return isFloat() ? floats[i] : ints[i]; }
  int64_t intAt(int64_t i) const {
    return isFloat() ? (int64_t)floats[i] : ints[i];
  }
  HostTensor withShape(llvm::ArrayRef<int64_t> newShape) const;

  static HostTensor ofInts(llvm::ArrayRef<int64_t> shape,
                           std::vector<int64_t> data, int32_t type = kInt64);
  static HostTensor ofFloats(llvm::ArrayRef<int64_t> shape,
                             std::vector<float> data);
  /// A tensor of `shape` and `type` filled with `value`.
  static HostTensor filled(llvm::ArrayRef<int64_t> shape, int32_t type,
                           double value);
};

HostTensor fromTensorProto(const onnx::TensorProto &t);

/// `t` converted to `type` (C semantics: float to integer truncates, any
/// non-zero is true); throws ImportError for types the host does not hold.
HostTensor castTo(const HostTensor &t, int32_t type);

/// The NumPy broadcast of two shapes; throws when they do not broadcast.
llvm::SmallVector<int64_t> broadcastShape(llvm::ArrayRef<int64_t> a,
                                          llvm::ArrayRef<int64_t> b);

/// Elementwise `f` over operands broadcast together. Integer operands are
/// evaluated with `fi` in int64, float ones with `ff` in float32; every
/// operand has the type of the first. The result has `resultType`
/// (the operands' type when 0).
using IntFn = llvm::function_ref<int64_t(llvm::ArrayRef<int64_t>)>;
using FloatFn = llvm::function_ref<double(llvm::ArrayRef<float>)>;
HostTensor mapElements(llvm::ArrayRef<const HostTensor *> operands, IntFn fi,
                       FloatFn ff, int32_t resultType = 0);

/// result[i] = src[srcIndex(i)] for every multi-index i of `outShape`.
HostTensor remap(const HostTensor &src, llvm::ArrayRef<int64_t> outShape,
                 llvm::function_ref<int64_t(llvm::ArrayRef<int64_t>)> srcIndex);

/// Data movement, with the same parameters as the pc ops of the graph form.
HostTensor hostSlice(const HostTensor &src, llvm::ArrayRef<int64_t> starts,
                     llvm::ArrayRef<int64_t> steps,
                     llvm::ArrayRef<int64_t> outShape);
HostTensor hostTranspose(const HostTensor &src, llvm::ArrayRef<int64_t> perm);
HostTensor hostGather(const HostTensor &src, int64_t axis,
                      llvm::ArrayRef<int64_t> indices,
                      llvm::ArrayRef<int64_t> indexShape);
HostTensor hostConcat(llvm::ArrayRef<const HostTensor *> parts, int64_t axis);
HostTensor hostBroadcast(const HostTensor &src, llvm::ArrayRef<int64_t> shape);
HostTensor hostPad(const HostTensor &src, llvm::ArrayRef<int64_t> low,
                   llvm::ArrayRef<int64_t> high, double value);

enum class Reduction { Sum, Mean, Prod, Max, Min };
/// Reduces `src` over the sorted `axes`, keeping them as size-1 dimensions.
HostTensor hostReduce(const HostTensor &src, llvm::ArrayRef<int64_t> axes,
                      Reduction kind);

} // namespace pcc::detail

#endif
