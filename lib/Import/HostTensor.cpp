//===- HostTensor.cpp - compile-time tensors and their evaluation ---------===//
#include "HostTensor.h"
#include "pc/PCOps.h"

#include "llvm/ADT/STLExtras.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>

using namespace llvm;

namespace pcc::detail {

int64_t numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw ImportError("the shape " + shapeString(shape) +
                        " has a negative dimension");
    if (d && n > kMaxTensorElements / d)
      throw ImportError("the shape " + shapeString(shape) +
                        " has more than 2^40 elements");
    n *= d;
  }
  return n;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "x" : "") + std::to_string(d);
  return s + "]";
}

bool isHostType(int32_t t) {
  switch (t) {
  case kFloat:
  case kUInt8:
  case kInt8:
  case kInt16:
  case kInt32:
  case kInt64:
  case kBool:
    return true;
  default:
    return false;
  }
}

std::string typeName(int32_t t) {
  if (onnx::TensorProto::DataType_IsValid(t))
    return onnx::TensorProto::DataType_Name((onnx::TensorProto::DataType)t);
  return "type " + std::to_string(t);
}

HostTensor HostTensor::withShape(ArrayRef<int64_t> newShape) const {
  HostTensor r = *this;
  r.shape.assign(newShape.begin(), newShape.end());
  return r;
}

HostTensor HostTensor::ofInts(ArrayRef<int64_t> shape, std::vector<int64_t> data,
                              int32_t type) {
  HostTensor h;
  h.shape.assign(shape.begin(), shape.end());
  h.type = type;
  h.ints = std::move(data);
  return h;
}

HostTensor HostTensor::ofFloats(ArrayRef<int64_t> shape, std::vector<float> data) {
  HostTensor h;
  h.shape.assign(shape.begin(), shape.end());
  h.floats = std::move(data);
  return h;
}

/// Compile-time constants are evaluated in memory, element by element:
/// refuse sizes past 2^24 elements (64 MiB of f32) rather than spend seconds
/// and gigabytes on a bad ConstantOfShape or Expand. Real models fold shapes
/// and small tables; larger results keep their graph form (importNode).
static void checkHostSize(ArrayRef<int64_t> shape) {
  constexpr int64_t kMaxElements = int64_t(1) << 24;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw ImportError("a compile-time constant would have the negative "
                        "dimension " + std::to_string(d));
    if (d && n > kMaxElements / d)
      throw HostSizeError("a compile-time constant of shape " +
                          shapeString(shape) + " is too large to evaluate");
    n *= d;
  }
}

HostTensor HostTensor::filled(ArrayRef<int64_t> shape, int32_t type,
                              double value) {
  checkHostSize(shape);
  int64_t n = numElements(shape);
  if (type == kFloat)
    return ofFloats(shape, std::vector<float>(n, (float)value));
  return castTo(ofFloats(shape, std::vector<float>(n, (float)value)), type);
}

HostTensor fromTensorProto(const onnx::TensorProto &t) {
  HostTensor h;
  for (int64_t d : t.dims()) {
    if (d < 0)
      throw ImportError("tensor '" + t.name() + "' has a negative dimension");
    h.shape.push_back(d);
  }
  int64_t n = numElements(h.shape);
  h.type = t.data_type();
  if (!isHostType(h.type))
    throw ImportError("tensor '" + t.name() + "' has element type " +
                      typeName(h.type) +
                      "; supported are FLOAT and the integer and BOOL types");
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw ImportError("tensor '" + t.name() +
                      "' is stored in an external file; save the model with "
                      "its data inside");
  auto wrongCount = [&] {
    return ImportError("tensor '" + t.name() + "' has the wrong element count");
  };
  auto raw = [&](auto elem) {
    using Elem = decltype(elem);
    if (t.raw_data().size() != (size_t)n * sizeof(Elem))
      throw ImportError("tensor '" + t.name() + "' has " +
                        std::to_string(t.raw_data().size()) +
                        " bytes of raw data, expected " +
                        std::to_string(n * sizeof(Elem)));
    std::vector<Elem> tmp(n);
    if (n)
      std::memcpy(tmp.data(), t.raw_data().data(), n * sizeof(Elem));
    return tmp;
  };
  if (h.type == kFloat) {
    if (t.has_raw_data())
      h.floats = raw(float());
    else if (t.float_data_size() == n)
      h.floats.assign(t.float_data().begin(), t.float_data().end());
    else
      throw wrongCount();
    return h;
  }
  if (h.type == kInt64) {
    if (t.has_raw_data())
      h.ints = raw(int64_t());
    else if (t.int64_data_size() == n)
      h.ints.assign(t.int64_data().begin(), t.int64_data().end());
    else
      throw wrongCount();
    return h;
  }
  // The narrow types live in int32_data unless raw.
  if (t.has_raw_data()) {
    auto widen = [&](auto v) { h.ints.assign(v.begin(), v.end()); };
    switch (h.type) {
    case kUInt8:
    case kBool:
      widen(raw(uint8_t()));
      break;
    case kInt8:
      widen(raw(int8_t()));
      break;
    case kInt16:
      widen(raw(int16_t()));
      break;
    default:
      widen(raw(int32_t()));
      break;
    }
  } else if (t.int32_data_size() == n) {
    h.ints.assign(t.int32_data().begin(), t.int32_data().end());
  } else {
    throw wrongCount();
  }
  return h;
}

/// Wraps `v` to the range of the integer type `type` (two's complement).
static int64_t wrapTo(int64_t v, int32_t type) {
  switch (type) {
  case kUInt8:
    return (uint8_t)v;
  case kInt8:
    return (int8_t)v;
  case kInt16:
    return (int16_t)v;
  case kInt32:
    return (int32_t)v;
  case kBool:
    return v != 0;
  default:
    return v;
  }
}

HostTensor castTo(const HostTensor &t, int32_t type) {
  if (!isHostType(type))
    throw ImportError("Cast to " + typeName(type) +
                      " is not supported (supported: FLOAT and the integer "
                      "and BOOL types)");
  HostTensor r;
  r.shape = t.shape;
  r.type = type;
  if (type == kFloat) {
    if (t.isFloat())
      return t;
    r.floats.assign(t.ints.begin(), t.ints.end());
    return r;
  }
  r.ints.reserve(t.size());
  for (int64_t i = 0; i < t.size(); ++i) {
    if (t.isFloat()) {
      float f = t.floats[i];
      if (type == kBool) {
        r.ints.push_back(f != 0.0f);
        continue;
      }
      if (!std::isfinite(f) || std::fabs(f) >= 9.2e18f)
        throw ImportError("Cast of " + std::to_string(f) + " to " +
                          typeName(type) + " is out of range");
      r.ints.push_back(wrapTo((int64_t)f, type));
    } else {
      r.ints.push_back(wrapTo(t.ints[i], type));
    }
  }
  return r;
}

SmallVector<int64_t> broadcastShape(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  FailureOr<SmallVector<int64_t>> shape = mlir::pc::broadcastShapes(a, b);
  if (failed(shape))
    throw ImportError("shapes " + shapeString(a) + " and " + shapeString(b) +
                      " do not broadcast");
  return *shape;
}

/// Calls `fn(outIndex)` for every multi-index of `shape`, in row-major order.
static void forEachIndex(ArrayRef<int64_t> shape,
                         function_ref<void(ArrayRef<int64_t>)> fn) {
  int64_t n = numElements(shape);
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    fn(idx);
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

/// The flat index into a tensor of `shape` read at `outIndex` of a
/// broadcast result (aligned on the right, size-1 dimensions pinned).
static int64_t broadcastSource(ArrayRef<int64_t> shape,
                               ArrayRef<int64_t> outIndex) {
  int64_t flat = 0;
  size_t lead = outIndex.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + (shape[d] == 1 ? 0 : outIndex[lead + d]);
  return flat;
}

HostTensor mapElements(ArrayRef<const HostTensor *> operands, IntFn fi,
                       FloatFn ff, int32_t resultType) {
  SmallVector<int64_t> shape;
  for (const HostTensor *t : operands)
    shape = broadcastShape(shape, t->shape);
  checkHostSize(shape);
  bool isFloat = operands.front()->isFloat();
  for (const HostTensor *t : operands)
    if (t->isFloat() != isFloat)
      throw ImportError("operands of types " +
                        typeName(operands.front()->type) + " and " +
                        typeName(t->type) + " are mixed");
  if (!resultType)
    resultType = operands.front()->type;
  HostTensor r;
  r.shape = shape;
  r.type = resultType;
  SmallVector<int64_t> iargs(operands.size());
  SmallVector<float> fargs(operands.size());
  forEachIndex(shape, [&](ArrayRef<int64_t> idx) {
    if (!isFloat) {
      for (auto [k, t] : llvm::enumerate(operands))
        iargs[k] = t->ints[broadcastSource(t->shape, idx)];
      int64_t v = fi(iargs);
      if (resultType == kFloat)
        r.floats.push_back((float)v);
      else
        r.ints.push_back(wrapTo(v, resultType));
      return;
    }
    for (auto [k, t] : llvm::enumerate(operands))
      fargs[k] = t->floats[broadcastSource(t->shape, idx)];
    double v = ff(fargs);
    if (resultType == kFloat)
      r.floats.push_back((float)v);
    else
      r.ints.push_back(wrapTo((int64_t)v, resultType));
  });
  return r;
}

HostTensor remap(const HostTensor &src, ArrayRef<int64_t> outShape,
                 function_ref<int64_t(ArrayRef<int64_t>)> srcIndex) {
  checkHostSize(outShape);
  HostTensor r;
  r.shape.assign(outShape.begin(), outShape.end());
  r.type = src.type;
  forEachIndex(outShape, [&](ArrayRef<int64_t> idx) {
    int64_t s = srcIndex(idx);
    if (src.isFloat())
      r.floats.push_back(src.floats[s]);
    else
      r.ints.push_back(src.ints[s]);
  });
  return r;
}

/// Row-major strides of `shape`.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

HostTensor hostSlice(const HostTensor &src, ArrayRef<int64_t> starts,
                     ArrayRef<int64_t> steps, ArrayRef<int64_t> outShape) {
  SmallVector<int64_t> st = stridesOf(src.shape);
  return remap(src, outShape, [&](ArrayRef<int64_t> idx) {
    int64_t flat = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      flat += (starts[d] + steps[d] * idx[d]) * st[d];
    return flat;
  });
}

HostTensor hostTranspose(const HostTensor &src, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> st = stridesOf(src.shape), out;
  for (int64_t p : perm)
    out.push_back(src.shape[p]);
  return remap(src, out, [&](ArrayRef<int64_t> idx) {
    int64_t flat = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      flat += idx[d] * st[perm[d]];
    return flat;
  });
}

HostTensor hostGather(const HostTensor &src, int64_t axis,
                      ArrayRef<int64_t> indices, ArrayRef<int64_t> indexShape) {
  SmallVector<int64_t> out(src.shape.begin(), src.shape.begin() + axis);
  out.append(indexShape.begin(), indexShape.end());
  out.append(src.shape.begin() + axis + 1, src.shape.end());
  SmallVector<int64_t> st = stridesOf(src.shape);
  size_t ir = indexShape.size();
  SmallVector<int64_t> ist = stridesOf(indexShape);
  return remap(src, out, [&](ArrayRef<int64_t> idx) {
    int64_t flat = 0;
    for (int64_t d = 0; d < axis; ++d)
      flat += idx[d] * st[d];
    int64_t k = 0;
    for (size_t d = 0; d < ir; ++d)
      k += idx[axis + d] * ist[d];
    flat += indices[k] * st[axis];
    for (size_t d = axis + 1; d < src.shape.size(); ++d)
      flat += idx[d - 1 + ir] * st[d];
    return flat;
  });
}

HostTensor hostConcat(ArrayRef<const HostTensor *> parts, int64_t axis) {
  HostTensor r;
  r.shape = parts.front()->shape;
  r.type = parts.front()->type;
  r.shape[axis] = 0;
  for (const HostTensor *p : parts)
    r.shape[axis] += p->shape[axis];
  int64_t outer = numElements(ArrayRef<int64_t>(r.shape).take_front(axis));
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor *p : parts) {
      int64_t chunk = numElements(ArrayRef<int64_t>(p->shape).drop_front(axis));
      if (r.isFloat())
        r.floats.insert(r.floats.end(), p->floats.begin() + o * chunk,
                        p->floats.begin() + (o + 1) * chunk);
      else
        r.ints.insert(r.ints.end(), p->ints.begin() + o * chunk,
                      p->ints.begin() + (o + 1) * chunk);
    }
  return r;
}

HostTensor hostBroadcast(const HostTensor &src, ArrayRef<int64_t> shape) {
  return remap(src, shape, [&](ArrayRef<int64_t> idx) {
    return broadcastSource(src.shape, idx);
  });
}

HostTensor hostPad(const HostTensor &src, ArrayRef<int64_t> low,
                   ArrayRef<int64_t> high, double value) {
  SmallVector<int64_t> out(src.shape);
  for (size_t d = 0; d < out.size(); ++d)
    out[d] += low[d] + high[d];
  HostTensor r = HostTensor::filled(out, src.type, value);
  SmallVector<int64_t> st = stridesOf(out);
  forEachIndex(src.shape, [&](ArrayRef<int64_t> idx) {
    int64_t dst = 0, s = broadcastSource(src.shape, idx);
    for (size_t d = 0; d < idx.size(); ++d)
      dst += (idx[d] + low[d]) * st[d];
    if (r.isFloat())
      r.floats[dst] = src.floats[s];
    else
      r.ints[dst] = src.ints[s];
  });
  return r;
}

HostTensor hostReduce(const HostTensor &src, ArrayRef<int64_t> axes,
                      Reduction kind) {
  SmallVector<int64_t> out(src.shape);
  int64_t count = 1;
  for (int64_t a : axes) {
    count *= out[a];
    out[a] = 1;
  }
  int64_t n = numElements(out);
  std::vector<double> acc(n, kind == Reduction::Prod ? 1.0 : 0.0);
  std::vector<int64_t> iacc(n, kind == Reduction::Prod ? 1 : 0);
  std::vector<bool> seen(n, false);
  SmallVector<int64_t> st = stridesOf(out);
  int64_t flatIn = 0;
  forEachIndex(src.shape, [&](ArrayRef<int64_t> idx) {
    int64_t o = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      o += (out[d] == 1 ? 0 : idx[d]) * st[d];
    double v = src.at(flatIn);
    int64_t iv = src.isFloat() ? 0 : src.ints[flatIn];
    ++flatIn;
    switch (kind) {
    case Reduction::Sum:
    case Reduction::Mean:
      acc[o] += v;
      iacc[o] += iv;
      break;
    case Reduction::Prod:
      acc[o] *= v;
      iacc[o] *= iv;
      break;
    case Reduction::Max:
    case Reduction::Min: {
      bool better = kind == Reduction::Max ? v > acc[o] : v < acc[o];
      if (!seen[o] || better) {
        acc[o] = v;
        iacc[o] = iv;
      }
      break;
    }
    }
    seen[o] = true;
  });
  HostTensor r;
  r.shape = out;
  r.type = src.type;
  for (int64_t o = 0; o < n; ++o) {
    if (r.isFloat())
      r.floats.push_back(kind == Reduction::Mean ? acc[o] / count : acc[o]);
    else
      r.ints.push_back(kind == Reduction::Mean ? iacc[o] / count : iacc[o]);
  }
  return r;
}

} // namespace pcc::detail
