//===- ImportNN.cpp - convolution, pooling, normalisation, data movement --===//
#include "Importer.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace pcc::detail;

namespace {

/// A 1-D or 2-D window op's attributes in 2-D form (1-D ops get a height of
/// one) and its spatial result size.
struct WindowAttrs {
  SmallVector<int64_t> kernel, strides, dilations, pads, out;
};

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::string listString(ArrayRef<int64_t> v) {
  std::string s;
  for (auto [i, x] : llvm::enumerate(v))
    s += (i ? "," : "") + std::to_string(x);
  return s;
}

} // namespace

/// Reads kernel_shape (or `kernel` when given), strides, dilations, pads and
/// auto_pad for spatial input sizes `in`.
static WindowAttrs windowAttrs(Importer &imp, const onnx::NodeProto &node,
                               ArrayRef<int64_t> in,
                               std::optional<SmallVector<int64_t>> kernel,
                               bool ceilMode) {
  size_t n = in.size();
  auto ints = [&](StringRef name, int64_t dflt, size_t count) {
    std::optional<SmallVector<int64_t>> v = imp.intsAttr(node, name);
    if (!v)
      return SmallVector<int64_t>(count, dflt);
    if (v->size() != count)
      imp.fail(node, "attribute '" + name.str() + "' has " +
                               std::to_string(v->size()) + " entries, expected " +
                               std::to_string(count));
    return *v;
  };
  SmallVector<int64_t> k = kernel ? *kernel : ints("kernel_shape", 0, n);
  if (!kernel && !imp.intsAttr(node, "kernel_shape"))
    imp.fail(node, "attribute 'kernel_shape' is required");
  SmallVector<int64_t> s = ints("strides", 1, n), d = ints("dilations", 1, n),
                       p = ints("pads", 0, 2 * n);
  for (size_t i = 0; i < n; ++i)
    if (k[i] < 1 || s[i] < 1 || d[i] < 1 || p[i] < 0 || p[i + n] < 0)
      imp.fail(node, "kernel_shape, strides and dilations must be "
                           "positive and pads non-negative");
  std::string autoPad = "NOTSET";
  if (const auto *a = imp.attr(node, "auto_pad"))
    autoPad = a->s();
  if (autoPad == "VALID") {
    p.assign(2 * n, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < n; ++i) {
      int64_t out = ceilDiv(in[i], s[i]);
      int64_t total =
          std::max<int64_t>(0, (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in[i]);
      p[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      p[i + n] = total - p[i];
    }
  } else if (autoPad != "NOTSET") {
    imp.fail(node, "auto_pad '" + autoPad + "' is not valid");
  }
  WindowAttrs w;
  for (size_t i = 0; i < n; ++i) {
    int64_t span = (k[i] - 1) * d[i] + 1;
    int64_t room = in[i] + p[i] + p[i + n] - span;
    if (room < 0)
      imp.fail(node, "window " + std::to_string(span) +
                               " is larger than the padded input " +
                               std::to_string(in[i] + p[i] + p[i + n]));
    int64_t out = (ceilMode ? ceilDiv(room, s[i]) : room / s[i]) + 1;
    // A last window starting in the end padding is dropped.
    if (ceilMode && (out - 1) * s[i] >= in[i] + p[i])
      --out;
    w.out.push_back(out);
  }
  // 2-D form.
  if (n == 1) {
    w.kernel = {1, k[0]};
    w.strides = {1, s[0]};
    w.dilations = {1, d[0]};
    w.pads = {0, p[0], 0, p[1]};
    w.out.insert(w.out.begin(), 1);
  } else {
    w.kernel = k;
    w.strides = s;
    w.dilations = d;
    w.pads = p;
  }
  return w;
}

bool Importer::importNNOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  Location l = loc(node);
  if (op == "Conv")
    return importConv(node), true;
  if (op == "MaxPool" || op == "AveragePool")
    return importPool(node, op == "MaxPool"), true;
  if (op == "BatchNormalization")
    return importBatchNorm(node), true;
  if (op == "Slice")
    return importSlice(node), true;
  if (op == "Split")
    return importSplit(node), true;
  if (op == "Pad")
    return importPad(node), true;
  if (op == "ReduceSum" || op == "ReduceMean")
    return importReduce(node, op == "ReduceMean"), true;
  if (op == "Gather")
    return importGather(node), true;
  if (op == "Concat")
    return importConcat(node), true;
  if (op == "Clip")
    return importClip(node), true;
  if (op == "Pow")
    return importPow(node), true;
  if (op == "Abs")
    return define(node, b.create<pc::AbsOp>(l, tensor(node, 0))), true;
  if (op == "Sqrt")
    return define(node, b.create<pc::SqrtOp>(l, tensor(node, 0))), true;
  if (op == "Softplus")
    return define(node, b.create<pc::SoftplusOp>(l, tensor(node, 0))), true;
  if (op == "Elu")
    return define(node, b.create<pc::EluOp>(
                            l, tensor(node, 0),
                            b.getF32FloatAttr(floatAttr(node, "alpha", 1.0f)))),
           true;
  if (op == "GlobalAveragePool") {
    Value x = tensor(node, 0);
    auto shape = shapeOfValue(x);
    if (shape.size() < 3)
      fail(node, "input must have spatial dimensions, got " + shapeString(shape));
    SmallVector<int64_t> axes, out(shape);
    for (size_t i = 2; i < shape.size(); ++i) {
      axes.push_back(i);
      out[i] = 1;
    }
    float scale = 1.0f / numElements(shape.drop_front(2));
    define(node, b.create<pc::ReduceSumOp>(
                     l, RankedTensorType::get(out, b.getF32Type()), x,
                     b.getDenseI64ArrayAttr(axes), b.getF32FloatAttr(scale)));
    return true;
  }
  if (op == "Dropout") {
    if (wantsOutput(node, 1))
      fail(node, "the mask output is not supported: pcc compiles Dropout as "
                 "the identity (inference form)");
    if (opset >= 12 && hasInput(node, 2)) {
      const Entry &e = lookup(node, 2);
      if (!e.constant || e.constant->at(0) != 0)
        fail(node, "training_mode must be a constant false: pcc compiles "
                   "Dropout as the identity (inference form)");
    }
    values[node.output(0)] = lookup(node, 0);
    return true;
  }
  if (op == "Expand") {
    Value x = tensor(node, 0);
    SmallVector<int64_t> shape = constantInts(node, 1, "the shape");
    FailureOr<SmallVector<int64_t>> out =
        pc::broadcastShapes(shapeOfValue(x), shape);
    if (failed(out))
      fail(node, "input " + shapeString(shapeOfValue(x)) +
                     " does not broadcast to " + shapeString(shape));
    if (ArrayRef<int64_t>(*out) == shapeOfValue(x)) {
      values[node.output(0)] = lookup(node, 0);
      return true;
    }
    define(node, b.create<pc::BroadcastToOp>(
                     l, RankedTensorType::get(*out, b.getF32Type()), x));
    return true;
  }
  return false;
}

void Importer::importConv(const onnx::NodeProto &node) {
  rejectAttrsExcept(node, {"auto_pad", "dilations", "group", "kernel_shape",
                           "pads", "strides"});
  Location l = loc(node);
  Value x = tensor(node, 0), w = tensor(node, 1);
  auto xs = shapeOfValue(x), ws = shapeOfValue(w);
  if ((xs.size() != 3 && xs.size() != 4) || ws.size() != xs.size())
    fail(node, "only 1-D and 2-D convolutions are supported; X is " +
                   shapeString(xs) + ", W " + shapeString(ws));
  int64_t group = intAttr(node, "group", 1);
  if (group < 1 || xs[1] % group || ws[0] % group || ws[1] * group != xs[1])
    fail(node, "X " + shapeString(xs) + " and W " + shapeString(ws) +
                   " do not fit group " + std::to_string(group));
  SmallVector<int64_t> kernel(ws.drop_front(2));
  if (auto k = intsAttr(node, "kernel_shape"); k && *k != kernel)
    fail(node, "kernel_shape " + listString(*k) + " differs from W " +
                   shapeString(ws));
  WindowAttrs a = windowAttrs(*this, node, xs.drop_front(2), kernel, false);
  bool oneD = xs.size() == 3;
  if (oneD) {
    x = reshape(l, x, {xs[0], xs[1], 1, xs[2]});
    w = reshape(l, w, {ws[0], ws[1], 1, ws[2]});
  }
  SmallVector<int64_t> out = {xs[0], ws[0], a.out[0], a.out[1]};
  Value y = b.create<pc::ConvOp>(
      l, RankedTensorType::get(out, b.getF32Type()), x, w,
      b.getI64IntegerAttr(group), b.getDenseI64ArrayAttr(a.kernel),
      b.getDenseI64ArrayAttr(a.strides), b.getDenseI64ArrayAttr(a.dilations),
      b.getDenseI64ArrayAttr(a.pads));
  if (hasInput(node, 2)) {
    Value bias = tensor(node, 2);
    if (shapeOfValue(bias) != ArrayRef<int64_t>{ws[0]})
      fail(node, "B must be [" + std::to_string(ws[0]) + "], got " +
                     shapeString(shapeOfValue(bias)));
    y = binary<pc::AddOp>(node, y, reshape(l, bias, {ws[0], 1, 1}));
  }
  if (oneD)
    y = reshape(l, y, {xs[0], ws[0], a.out[1]});
  define(node, y);
}

void Importer::importPool(const onnx::NodeProto &node, bool max) {
  if (max)
    rejectAttrsExcept(node, {"auto_pad", "ceil_mode", "dilations",
                             "kernel_shape", "pads", "storage_order", "strides"});
  else
    rejectAttrsExcept(node, {"auto_pad", "ceil_mode", "count_include_pad",
                             "dilations", "kernel_shape", "pads", "strides"});
  if (max && wantsOutput(node, 1))
    fail(node, "the Indices output is not supported");
  Location l = loc(node);
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  if (xs.size() != 3 && xs.size() != 4)
    fail(node, "only 1-D and 2-D pooling is supported; X is " + shapeString(xs));
  WindowAttrs a = windowAttrs(*this, node, xs.drop_front(2), std::nullopt,
                              intAttr(node, "ceil_mode", 0) != 0);
  bool oneD = xs.size() == 3;
  if (oneD)
    x = reshape(l, x, {xs[0], xs[1], 1, xs[2]});
  auto type =
      RankedTensorType::get({xs[0], xs[1], a.out[0], a.out[1]}, b.getF32Type());
  auto k = b.getDenseI64ArrayAttr(a.kernel), s = b.getDenseI64ArrayAttr(a.strides),
       d = b.getDenseI64ArrayAttr(a.dilations), p = b.getDenseI64ArrayAttr(a.pads);
  Value y;
  if (max)
    y = b.create<pc::MaxPoolOp>(l, type, x, k, s, d, p);
  else
    y = b.create<pc::AvgPoolOp>(
        l, type, x, b.getBoolAttr(intAttr(node, "count_include_pad", 0) != 0), k,
        s, d, p);
  if (oneD)
    y = reshape(l, y, {xs[0], xs[1], a.out[1]});
  define(node, y);
}

void Importer::importBatchNorm(const onnx::NodeProto &node) {
  rejectAttrsExcept(node, {"epsilon", "momentum", "training_mode", "spatial"});
  if (intAttr(node, "training_mode", 0) != 0 || wantsOutput(node, 1))
    fail(node, "training_mode is not supported: pcc compiles the inference "
               "form (running statistics)");
  if (intAttr(node, "spatial", 1) != 1)
    fail(node, "spatial=0 is not supported");
  Location l = loc(node);
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  if (xs.size() < 2)
    fail(node, "X must have a channel dimension, got " + shapeString(xs));
  int64_t c = xs[1];
  const HostTensor &mean = constant(node, 3, "the running mean");
  const HostTensor &var = constant(node, 4, "the running variance");
  if (mean.size() != c || var.size() != c)
    fail(node, "mean and var must have " + std::to_string(c) + " entries");
  float eps = floatAttr(node, "epsilon", 1e-5f);
  std::vector<float> invStd(c), meanData(c);
  for (int64_t i = 0; i < c; ++i) {
    invStd[i] = 1.0f / std::sqrt((float)var.at(i) + eps);
    meanData[i] = mean.at(i);
  }
  // y = x * a + (B - mean * a) with a = scale / sqrt(var + eps): two
  // vertices, the rest are parameter expressions.
  Value scale = tensor(node, 1), bias = tensor(node, 2);
  for (Value v : {scale, bias})
    if (shapeOfValue(v) != ArrayRef<int64_t>{c})
      fail(node, "scale and B must be [" + std::to_string(c) + "]");
  Value a = binary<pc::MulOp>(node, scale, denseConstant(l, {c}, invStd));
  Value shift = binary<pc::SubOp>(
      node, bias, binary<pc::MulOp>(node, denseConstant(l, {c}, meanData), a));
  SmallVector<int64_t> bshape(xs.size() - 1, 1);
  bshape[0] = c;
  Value y = binary<pc::MulOp>(node, x, reshape(l, a, bshape));
  define(node, binary<pc::AddOp>(node, y, reshape(l, shift, bshape)));
}

void Importer::importSlice(const onnx::NodeProto &node) {
  Location l = loc(node);
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  int64_t rank = xs.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (opset >= 10) {
    starts = constantInts(node, 1, "starts");
    ends = constantInts(node, 2, "ends");
    if (hasInput(node, 3))
      axes = constantInts(node, 3, "axes");
    if (hasInput(node, 4))
      steps = constantInts(node, 4, "steps");
  } else {
    starts = intsAttr(node, "starts").value_or(SmallVector<int64_t>{});
    ends = intsAttr(node, "ends").value_or(SmallVector<int64_t>{});
    axes = intsAttr(node, "axes").value_or(SmallVector<int64_t>{});
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    fail(node, "starts, ends, axes and steps differ in length");
  SmallVector<int64_t> st(rank, 0), sp(rank, 1), out(xs);
  SmallVector<bool> seen(rank, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t axis = normAxis(node, axes[k], rank), dim = xs[axis];
    if (seen[axis])
      fail(node, "axis " + std::to_string(axis) + " repeated");
    seen[axis] = true;
    int64_t step = steps[k];
    if (step == 0)
      fail(node, "step 0 on axis " + std::to_string(axis));
    int64_t s = starts[k], e = ends[k];
    s = s < 0 ? s + dim : s;
    e = e < 0 ? (e < -dim - 1 ? -1 : e + dim) : e;
    int64_t n;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      n = e > s ? ceilDiv(e - s, step) : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      n = s > e ? ceilDiv(s - e, -step) : 0;
    }
    if (n == 0)
      fail(node, "the slice of axis " + std::to_string(axis) +
                     " is empty; empty tensors are not supported");
    st[axis] = s;
    sp[axis] = step;
    out[axis] = n;
  }
  define(node, slice(l, x, st, sp, out));
}

void Importer::importSplit(const onnx::NodeProto &node) {
  Location l = loc(node);
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  int64_t axis = normAxis(node, intAttr(node, "axis", 0), xs.size());
  int64_t dim = xs[axis], parts = node.output_size();
  SmallVector<int64_t> sizes;
  if (opset >= 13 && hasInput(node, 1))
    sizes = constantInts(node, 1, "split");
  else if (auto s = intsAttr(node, "split"))
    sizes = *s;
  if (sizes.empty()) {
    int64_t n = intAttr(node, "num_outputs", parts);
    if (n != parts)
      fail(node, "num_outputs differs from the number of outputs");
    int64_t each = ceilDiv(dim, parts);
    for (int64_t k = 0; k < parts; ++k)
      sizes.push_back(std::min(each, dim - k * each));
    if (!attr(node, "num_outputs") && dim % parts)
      fail(node, "axis size " + std::to_string(dim) + " does not split into " +
                     std::to_string(parts) + " equal parts");
  }
  if ((int64_t)sizes.size() != parts)
    fail(node, "split has " + std::to_string(sizes.size()) + " entries for " +
                   std::to_string(parts) + " outputs");
  int64_t offset = 0;
  for (auto [k, size] : llvm::enumerate(sizes)) {
    if (size <= 0)
      fail(node, "output " + std::to_string(k) +
                     " would be empty; empty tensors are not supported");
    if (offset + size > dim)
      fail(node, "split sizes exceed the axis size " + std::to_string(dim));
    defineOutput(node, k, sliceAxis(l, x, axis, offset, size));
    offset += size;
  }
  if (offset != dim)
    fail(node, "split sizes sum to " + std::to_string(offset) +
                   ", not the axis size " + std::to_string(dim));
}

void Importer::importPad(const onnx::NodeProto &node) {
  Location l = loc(node);
  std::string mode = "constant";
  if (const auto *a = attr(node, "mode"))
    mode = a->s();
  if (mode != "constant")
    fail(node, "mode '" + mode + "' is not supported (only constant)");
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  int64_t rank = xs.size();
  SmallVector<int64_t> pads;
  float value = 0.0f;
  SmallVector<int64_t> axes;
  if (opset >= 11) {
    pads = constantInts(node, 1, "pads");
    if (hasInput(node, 2)) {
      const HostTensor &v = constant(node, 2, "constant_value");
      value = v.size() ? v.at(0) : 0.0f;
    }
    if (hasInput(node, 3))
      axes = constantInts(node, 3, "axes");
  } else {
    pads = intsAttr(node, "pads").value_or(SmallVector<int64_t>{});
    value = floatAttr(node, "value", 0.0f);
  }
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  int64_t na = axes.size();
  if ((int64_t)pads.size() != 2 * na)
    fail(node, "pads has " + std::to_string(pads.size()) + " entries, expected " +
                   std::to_string(2 * na));
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (int64_t k = 0; k < na; ++k) {
    int64_t axis = normAxis(node, axes[k], rank);
    low[axis] = pads[k];
    high[axis] = pads[k + na];
  }
  // Negative pads crop first.
  SmallVector<int64_t> st(rank, 0), sp(rank, 1), cropped(xs);
  for (int64_t i = 0; i < rank; ++i) {
    if (low[i] < 0)
      st[i] = -low[i], cropped[i] += low[i], low[i] = 0;
    if (high[i] < 0)
      cropped[i] += high[i], high[i] = 0;
    if (cropped[i] <= 0)
      fail(node, "pads leave axis " + std::to_string(i) + " empty");
  }
  x = slice(l, x, st, sp, cropped);
  SmallVector<int64_t> out(cropped);
  for (int64_t i = 0; i < rank; ++i)
    out[i] += low[i] + high[i];
  if (ArrayRef<int64_t>(out) == ArrayRef<int64_t>(cropped)) {
    if (ArrayRef<int64_t>(out) == xs)
      values[node.output(0)] = lookup(node, 0);
    else
      define(node, x);
    return;
  }
  define(node, b.create<pc::PadOp>(l, RankedTensorType::get(out, b.getF32Type()),
                                   x, b.getDenseI64ArrayAttr(low),
                                   b.getDenseI64ArrayAttr(high),
                                   b.getF32FloatAttr(value)));
}

void Importer::importReduce(const onnx::NodeProto &node, bool mean) {
  Location l = loc(node);
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  int64_t rank = xs.size();
  bool axesAsInput = mean ? opset >= 18 : opset >= 13;
  SmallVector<int64_t> axes;
  if (axesAsInput && hasInput(node, 1))
    axes = constantInts(node, 1, "axes");
  else if (auto a = intsAttr(node, "axes"))
    axes = *a;
  if (axes.empty()) {
    if (intAttr(node, "noop_with_empty_axes", 0)) {
      values[node.output(0)] = lookup(node, 0);
      return;
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  for (int64_t &a : axes)
    a = normAxis(node, a, rank);
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  SmallVector<int64_t> kept(xs), squeezed;
  int64_t count = 1;
  for (int64_t a : axes) {
    count *= xs[a];
    kept[a] = 1;
  }
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(axes, i))
      squeezed.push_back(xs[i]);
  Value r = b.create<pc::ReduceSumOp>(
      l, RankedTensorType::get(kept, b.getF32Type()), x,
      b.getDenseI64ArrayAttr(axes),
      b.getF32FloatAttr(mean ? 1.0f / count : 1.0f));
  if (!intAttr(node, "keepdims", 1))
    r = reshape(l, r, squeezed);
  define(node, r);
}

void Importer::importGather(const onnx::NodeProto &node) {
  Location l = loc(node);
  Value x = tensor(node, 0);
  auto xs = shapeOfValue(x);
  int64_t rank = xs.size();
  int64_t axis = normAxis(node, intAttr(node, "axis", 0), rank);
  const HostTensor &idx = constant(node, 1, "the indices");
  if (idx.isFloat)
    fail(node, "indices must be integers");
  SmallVector<int64_t> flat;
  for (int64_t k = 0; k < idx.size(); ++k) {
    int64_t j = idx.intAt(k);
    if (j < -xs[axis] || j >= xs[axis])
      fail(node, "index " + std::to_string(j) + " out of range for axis size " +
                     std::to_string(xs[axis]));
    flat.push_back(j < 0 ? j + xs[axis] : j);
  }
  if (flat.empty())
    fail(node, "no indices; empty tensors are not supported");
  SmallVector<int64_t> gathered(xs), out(xs.take_front(axis));
  gathered[axis] = flat.size();
  out.append(idx.shape.begin(), idx.shape.end());
  out.append(xs.begin() + axis + 1, xs.end());
  Value g = b.create<pc::GatherOp>(
      l, RankedTensorType::get(gathered, b.getF32Type()), x,
      b.getI64IntegerAttr(axis), b.getDenseI64ArrayAttr(flat));
  define(node, reshape(l, g, out));
}

void Importer::importConcat(const onnx::NodeProto &node) {
  Location l = loc(node);
  SmallVector<Value> inputs;
  for (int i = 0; i < node.input_size(); ++i)
    inputs.push_back(tensor(node, i));
  auto first = shapeOfValue(inputs[0]);
  int64_t rank = first.size();
  if (!attr(node, "axis"))
    fail(node, "attribute 'axis' is required");
  int64_t axis = normAxis(node, intAttr(node, "axis", 0), rank);
  SmallVector<int64_t> out(first);
  out[axis] = 0;
  for (Value v : inputs) {
    auto s = shapeOfValue(v);
    for (int64_t i = 0; i < rank; ++i)
      if ((int64_t)s.size() != rank || (i != axis && s[i] != first[i]))
        fail(node, "input shapes " + shapeString(first) + " and " +
                       shapeString(s) + " differ off axis " +
                       std::to_string(axis));
    out[axis] += s[axis];
  }
  if (inputs.size() == 1) {
    values[node.output(0)] = lookup(node, 0);
    return;
  }
  define(node, b.create<pc::ConcatOp>(
                   l, RankedTensorType::get(out, b.getF32Type()), inputs,
                   b.getI64IntegerAttr(axis)));
}

void Importer::importClip(const onnx::NodeProto &node) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  if (opset >= 11) {
    if (hasInput(node, 1))
      lo = constant(node, 1, "min").at(0);
    if (hasInput(node, 2))
      hi = constant(node, 2, "max").at(0);
  } else {
    lo = floatAttr(node, "min", lo);
    hi = floatAttr(node, "max", hi);
  }
  define(node, b.create<pc::ClipOp>(loc(node), tensor(node, 0),
                                    b.getF32FloatAttr(lo),
                                    b.getF32FloatAttr(hi)));
}

void Importer::importPow(const onnx::NodeProto &node) {
  const HostTensor &e = constant(node, 1, "the exponent");
  for (int64_t k = 1; k < e.size(); ++k)
    if (e.at(k) != e.at(0))
      fail(node, "the exponent must be one value; an elementwise exponent "
                 "tensor is not supported");
  if (e.size() == 0)
    fail(node, "the exponent is empty");
  define(node, b.create<pc::PowOp>(loc(node), tensor(node, 0),
                                   b.getF32FloatAttr(e.at(0))));
}
