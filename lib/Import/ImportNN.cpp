//===- ImportNN.cpp - convolution, pooling, normalisation, resizing -------===//
//
// Registry entries of Conv, the poolings, BatchNormalization (inference and
// training forms), LayerNormalization, Dropout, Resize and Upsample.
//
//===----------------------------------------------------------------------===//
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

/// Reads kernel_shape (or `kernel` when given), strides, dilations, pads and
/// auto_pad for spatial input sizes `in`.
WindowAttrs windowAttrs(Importer &imp, const onnx::NodeProto &node,
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


void importConv(Importer &imp, const onnx::NodeProto &node) {
  imp.rejectAttrsExcept(node, {"auto_pad", "dilations", "group",
                               "kernel_shape", "pads", "strides"});
  OpBuilder &b = imp.b;
  Location l = imp.loc(node);
  Value x = imp.tensor(node, 0), w = imp.tensor(node, 1);
  auto xs = imp.shapeOfValue(x), ws = imp.shapeOfValue(w);
  if ((xs.size() != 3 && xs.size() != 4) || ws.size() != xs.size())
    imp.fail(node, "only 1-D and 2-D convolutions are supported; X is " +
                       shapeString(xs) + ", W " + shapeString(ws));
  int64_t group = imp.intAttr(node, "group", 1);
  if (group < 1 || xs[1] % group || ws[0] % group || ws[1] * group != xs[1])
    imp.fail(node, "X " + shapeString(xs) + " and W " + shapeString(ws) +
                       " do not fit group " + std::to_string(group));
  SmallVector<int64_t> kernel(ws.drop_front(2));
  if (auto k = imp.intsAttr(node, "kernel_shape"); k && *k != kernel)
    imp.fail(node, "kernel_shape " + listString(*k) + " differs from W " +
                       shapeString(ws));
  WindowAttrs a = windowAttrs(imp, node, xs.drop_front(2), kernel, false);
  bool oneD = xs.size() == 3;
  int64_t n = xs[0], c = xs[1], f = ws[0];
  if (oneD) {
    x = imp.reshape(l, x, {n, c, 1, xs[2]});
    w = imp.reshape(l, w, {f, ws[1], 1, ws[2]});
  }
  SmallVector<int64_t> out = {n, f, a.out[0], a.out[1]};
  Value y = b.create<pc::ConvOp>(
      l, imp.f32Type(out), x, w, b.getI64IntegerAttr(group),
      b.getDenseI64ArrayAttr(a.kernel), b.getDenseI64ArrayAttr(a.strides),
      b.getDenseI64ArrayAttr(a.dilations), b.getDenseI64ArrayAttr(a.pads));
  if (imp.hasInput(node, 2)) {
    Value bias = imp.tensor(node, 2);
    if (imp.shapeOfValue(bias) != ArrayRef<int64_t>{f})
      imp.fail(node, "B must be [" + std::to_string(f) + "], got " +
                         shapeString(imp.shapeOfValue(bias)));
    y = imp.binary<pc::AddOp>(node, y, imp.reshape(l, bias, {f, 1, 1}));
  }
  if (oneD)
    y = imp.reshape(l, y, {n, f, a.out[1]});
  imp.define(node, y);
}

void importPool(Importer &imp, const onnx::NodeProto &node, bool max) {
  if (max)
    imp.rejectAttrsExcept(node, {"auto_pad", "ceil_mode", "dilations",
                                 "kernel_shape", "pads", "storage_order",
                                 "strides"});
  else
    imp.rejectAttrsExcept(node, {"auto_pad", "ceil_mode", "count_include_pad",
                                 "dilations", "kernel_shape", "pads",
                                 "strides"});
  if (max && imp.wantsOutput(node, 1))
    imp.fail(node, "the Indices output is not supported");
  OpBuilder &b = imp.b;
  Location l = imp.loc(node);
  Value x = imp.tensor(node, 0);
  auto xs = imp.shapeOfValue(x);
  if (xs.size() != 3 && xs.size() != 4)
    imp.fail(node, "only 1-D and 2-D pooling is supported; X is " +
                       shapeString(xs));
  WindowAttrs a = windowAttrs(imp, node, xs.drop_front(2), std::nullopt,
                              imp.intAttr(node, "ceil_mode", 0) != 0);
  bool oneD = xs.size() == 3;
  if (oneD)
    x = imp.reshape(l, x, {xs[0], xs[1], 1, xs[2]});
  auto type = imp.f32Type({xs[0], xs[1], a.out[0], a.out[1]});
  auto k = b.getDenseI64ArrayAttr(a.kernel),
       s = b.getDenseI64ArrayAttr(a.strides),
       d = b.getDenseI64ArrayAttr(a.dilations),
       p = b.getDenseI64ArrayAttr(a.pads);
  Value y;
  if (max)
    y = b.create<pc::MaxPoolOp>(l, type, x, k, s, d, p);
  else
    y = b.create<pc::AvgPoolOp>(
        l, type, x,
        b.getBoolAttr(imp.intAttr(node, "count_include_pad", 0) != 0), k, s,
        d, p);
  if (oneD)
    y = imp.reshape(l, y, {xs[0], xs[1], a.out[1]});
  imp.define(node, y);
}

/// GlobalAveragePool and GlobalMaxPool: a reduction over the spatial
/// dimensions, kept as size 1.
void importGlobalPool(Importer &imp, const onnx::NodeProto &node, bool max) {
  Location l = imp.loc(node);
  Value x = imp.tensor(node, 0);
  auto shape = imp.shapeOfValue(x);
  if (shape.size() < 3)
    imp.fail(node, "input must have spatial dimensions, got " +
                       shapeString(shape));
  SmallVector<int64_t> axes, out(shape);
  for (size_t i = 2; i < shape.size(); ++i) {
    axes.push_back(i);
    out[i] = 1;
  }
  auto axesAttr = imp.b.getDenseI64ArrayAttr(axes);
  if (max)
    return imp.define(node, imp.b.create<pc::ReduceMaxOp>(l, imp.f32Type(out),
                                                         x, axesAttr));
  float scale = 1.0f / numElements(shape.drop_front(2));
  imp.define(node, imp.b.create<pc::ReduceSumOp>(l, imp.f32Type(out), x,
                                                 axesAttr,
                                                 imp.b.getF32FloatAttr(scale)));
}

/// Whether a BatchNormalization node computes batch statistics: the
/// training_mode attribute from opset 14, the statistics outputs before.
bool isTrainingBatchNorm(const onnx::NodeProto &node, int64_t opset) {
  if (opset >= 14) {
    for (const auto &a : node.attribute())
      if (a.name() == "training_mode")
        return a.i() != 0;
    return false;
  }
  for (int k = 1; k < node.output_size(); ++k)
    if (!node.output(k).empty())
      return true;
  return false;
}

void importBatchNorm(Importer &imp, const onnx::NodeProto &node) {
  imp.rejectAttrsExcept(node, {"epsilon", "momentum", "training_mode",
                               "spatial"});
  if (imp.intAttr(node, "spatial", 1) != 1)
    imp.fail(node, "spatial=0 is not supported");
  OpBuilder &b = imp.b;
  Location l = imp.loc(node);
  Value x = imp.tensor(node, 0);
  auto xs = imp.shapeOfValue(x);
  if (xs.size() < 2)
    imp.fail(node, "X must have a channel dimension, got " + shapeString(xs));
  int64_t c = xs[1];
  Value scale = imp.tensor(node, 1), bias = imp.tensor(node, 2);
  for (Value v : {scale, bias})
    if (imp.shapeOfValue(v) != ArrayRef<int64_t>{c})
      imp.fail(node, "scale and B must be [" + std::to_string(c) + "]");
  float eps = imp.floatAttr(node, "epsilon", 1e-5f);

  if (isTrainingBatchNorm(node, imp.opset)) {
    // Batch statistics; the running estimates are the library's state.
    for (const auto &other : imp.graph().node())
      for (const std::string &in : other.input())
        for (int k = 1; k < node.output_size(); ++k)
          if (!in.empty() && in == node.output(k))
            imp.fail(node, "output '" + in + "' (a running estimate or batch "
                           "statistic) is read by node '" + other.name() +
                           "'; pcc keeps the running estimates as state "
                           "and does not expose them to the graph");
    Value mean = imp.tensor(node, 3), var = imp.tensor(node, 4);
    for (Value v : {mean, var}) {
      auto arg = dyn_cast<BlockArgument>(v);
      auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                      : func::FuncOp();
      auto role =
          func ? func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "pc.role")
               : StringAttr();
      if (!role || role.getValue() != "state")
        imp.fail(node, "running estimates of training mode that are not "
                       "initializers are not supported: the library keeps "
                       "them as state");
    }
    for (Value v : {mean, var})
      if (imp.shapeOfValue(v) != ArrayRef<int64_t>{c})
        imp.fail(node, "mean and var must be [" + std::to_string(c) + "]");
    float momentum = imp.floatAttr(node, "momentum", 0.9f);
    imp.define(node, b.create<pc::BatchNormOp>(
                         l, x.getType(), x, scale, bias, mean, var,
                         b.getF32FloatAttr(eps), b.getF32FloatAttr(momentum)));
    return;
  }

  // Inference: the running statistics are compile-time constants and
  // y = x * a + (B - mean * a) with a = scale / sqrt(var + eps): two
  // vertices, the rest are parameter expressions.
  const HostTensor &mean = imp.constant(node, 3, "the running mean");
  const HostTensor &var = imp.constant(node, 4, "the running variance");
  if (mean.size() != c || var.size() != c)
    imp.fail(node, "mean and var must have " + std::to_string(c) + " entries");
  std::vector<float> invStd(c), meanData(c);
  for (int64_t i = 0; i < c; ++i) {
    invStd[i] = 1.0f / std::sqrt((float)var.at(i) + eps);
    meanData[i] = mean.at(i);
  }
  Value a = imp.binary<pc::MulOp>(node, scale, imp.denseConstant(l, {c}, invStd));
  Value shift = imp.binary<pc::SubOp>(
      node, bias,
      imp.binary<pc::MulOp>(node, imp.denseConstant(l, {c}, meanData), a));
  SmallVector<int64_t> bshape(xs.size() - 1, 1);
  bshape[0] = c;
  Value y = imp.binary<pc::MulOp>(node, x, imp.reshape(l, a, bshape));
  imp.define(node, imp.binary<pc::AddOp>(node, y, imp.reshape(l, shift, bshape)));
}

void importLayerNorm(Importer &imp, const onnx::NodeProto &node) {
  imp.rejectAttrsExcept(node, {"axis", "epsilon", "stash_type"});
  Location l = imp.loc(node);
  Value x = imp.tensor(node, 0);
  auto xs = imp.shapeOfValue(x);
  int64_t rank = xs.size();
  int64_t axis = imp.normAxis(node, imp.intAttr(node, "axis", -1), rank);
  SmallVector<int64_t> axes;
  for (int64_t d = axis; d < rank; ++d)
    axes.push_back(d);
  Value scale = imp.tensor(node, 1);
  Value bias = imp.hasInput(node, 2) ? imp.tensor(node, 2)
                                     : imp.scalarConstant(l, 0.0f);
  for (Value v : {scale, bias})
    if (failed(pc::broadcastShapes(imp.shapeOfValue(v), xs)) ||
        imp.shapeOfValue(v).size() > xs.size())
      imp.fail(node, "Scale and B " + shapeString(imp.shapeOfValue(v)) +
                         " do not broadcast to X " + shapeString(xs));
  float eps = imp.floatAttr(node, "epsilon", 1e-5f);
  auto axesAttr = imp.b.getDenseI64ArrayAttr(axes);
  imp.define(node, imp.b.create<pc::NormalizeOp>(l, x.getType(), x, scale, bias,
                                                 axesAttr,
                                                 imp.b.getF32FloatAttr(eps)));
  if (!imp.wantsOutput(node, 1) && !imp.wantsOutput(node, 2))
    return;
  // Mean and InvStdDev (reduced axes kept as size 1), as graph ops: they are
  // dropped unless the compiled output needs them.
  SmallVector<int64_t> kept(xs);
  int64_t count = 1;
  for (int64_t d : axes) {
    count *= kept[d];
    kept[d] = 1;
  }
  auto reduceMean = [&](Value v) -> Value {
    return imp.b.create<pc::ReduceSumOp>(l, imp.f32Type(kept), v, axesAttr,
                                         imp.b.getF32FloatAttr(1.0f / count));
  };
  Value mean = reduceMean(x);
  imp.defineOutput(node, 1, mean);
  Value centred = imp.binary<pc::SubOp>(node, x, mean);
  Value var = reduceMean(imp.binary<pc::MulOp>(node, centred, centred));
  Value sd = imp.b.create<pc::SqrtOp>(
      l, imp.binary<pc::AddOp>(node, var, imp.scalarConstant(l, eps)));
  imp.defineOutput(node, 2,
                   imp.binary<pc::DivOp>(node, imp.scalarConstant(l, 1.0f), sd));
}

void importDropout(Importer &imp, const onnx::NodeProto &node) {
  if (imp.wantsOutput(node, 1))
    imp.fail(node, "the mask output is not supported: pcc compiles Dropout as "
                   "the identity (inference form)");
  if (imp.opset >= 12 && imp.hasInput(node, 2)) {
    const Entry &e = imp.lookup(node, 2);
    if (!e.constant || e.constant->at(0) != 0)
      imp.fail(node, "training_mode must be a constant false: pcc compiles "
                     "Dropout as the identity (inference form)");
  }
  imp.forward(node, 0);
}

//===--- Resize and Upsample ----------------------------------------------===//

template <typename Enum>
Enum enumAttr(Importer &imp, const onnx::NodeProto &node, StringRef name,
              StringRef dflt, std::optional<Enum> (*symbolize)(StringRef)) {
  std::string value = imp.stringAttr(node, name, dflt);
  std::optional<Enum> e = symbolize(value);
  if (!e)
    imp.fail(node, name + " '" + value + "' is not supported");
  return *e;
}

/// Resize (opset 10 on) and Upsample (before): the interpolation, the
/// output shape and the scale of every dimension.
void importResize(Importer &imp, const onnx::NodeProto &node) {
  bool upsample = node.op_type() == "Upsample";
  imp.rejectAttrsExcept(node, {"mode", "coordinate_transformation_mode",
                               "nearest_mode", "cubic_coeff_a",
                               "exclude_outside", "extrapolation_value"});
  if (imp.intAttr(node, "exclude_outside", 0) != 0)
    imp.fail(node, "exclude_outside is not supported");
  Value x = imp.tensor(node, 0);
  auto xs = imp.shapeOfValue(x);
  std::string modeName = imp.stringAttr(node, "mode", "nearest");
  if (modeName == "bilinear") // Upsample-7's spelling
    modeName = "linear";
  std::optional<pc::ResizeMode> mode = pc::symbolizeResizeMode(modeName);
  if (!mode)
    imp.fail(node, "mode '" + modeName +
                       "' is not supported (nearest and linear are)");
  // Upsample and Resize-10 map coordinates asymmetrically and round down.
  bool legacy = upsample || imp.opset < 11;
  pc::ResizeCoordinates coords =
      legacy ? pc::ResizeCoordinates::asymmetric
             : enumAttr<pc::ResizeCoordinates>(
                   imp, node, "coordinate_transformation_mode", "half_pixel",
                   pc::symbolizeResizeCoordinates);
  pc::ResizeRounding rounding =
      legacy ? pc::ResizeRounding::floor
             : enumAttr<pc::ResizeRounding>(imp, node, "nearest_mode",
                                            "round_prefer_floor",
                                            pc::symbolizeResizeRounding);

  SmallVector<float> scales;
  SmallVector<int64_t> out;
  int scalesInput = upsample || imp.opset < 11 ? 1 : 2;
  if (upsample && imp.opset < 9) {
    auto s = imp.attr(node, "scales");
    if (!s)
      imp.fail(node, "attribute 'scales' is required");
    scales.assign(s->floats().begin(), s->floats().end());
  } else if (imp.hasInput(node, scalesInput) &&
             imp.constant(node, scalesInput, "scales").size() > 0) {
    const HostTensor &s = imp.constant(node, scalesInput, "scales");
    for (int64_t k = 0; k < s.size(); ++k)
      scales.push_back(s.at(k));
  } else if (!upsample && imp.hasInput(node, 3)) {
    SmallVector<int64_t> sizes = imp.constantInts(node, 3, "sizes");
    if (sizes.size() != xs.size())
      imp.fail(node, "sizes has " + std::to_string(sizes.size()) +
                         " entries for rank " + std::to_string(xs.size()));
    for (size_t d = 0; d < xs.size(); ++d)
      scales.push_back((float)sizes[d] / xs[d]);
    out = sizes;
  } else {
    imp.fail(node, "needs scales or sizes");
  }
  if (scales.size() != xs.size())
    imp.fail(node, "scales has " + std::to_string(scales.size()) +
                       " entries for rank " + std::to_string(xs.size()));
  if (out.empty())
    for (size_t d = 0; d < xs.size(); ++d) {
      // Checked before the conversion: a huge or NaN scale has no size.
      double size = std::floor(xs[d] * (double)scales[d]);
      if (!(size >= 1 && size <= (double)kMaxTensorElements))
        imp.fail(node, "scale " + std::to_string(scales[d]) +
                           " resizes dimension " + std::to_string(d) +
                           " of size " + std::to_string(xs[d]) +
                           " out of range");
      out.push_back((int64_t)size);
    }
  for (size_t d = 0; d < xs.size(); ++d)
    if (out[d] < 1 || !(scales[d] > 0))
      imp.fail(node, "dimension " + std::to_string(d) + " resizes to " +
                         std::to_string(out[d]));
  if (ArrayRef<int64_t>(out) == xs &&
      llvm::all_of(scales, [](float s) { return s == 1.0f; }))
    return imp.forward(node, 0);
  OpBuilder &b = imp.b;
  imp.define(node, b.create<pc::ResizeOp>(
                       imp.loc(node), imp.f32Type(out), x,
                       pc::ResizeModeAttr::get(b.getContext(), *mode),
                       pc::ResizeCoordinatesAttr::get(b.getContext(), coords),
                       pc::ResizeRoundingAttr::get(b.getContext(), rounding),
                       b.getDenseF32ArrayAttr(scales)));
}

} // namespace

void pcc::detail::registerNNOps(OpRegistry &r) {
  r.add("Conv", {importConv});
  r.add("MaxPool", {[](Importer &imp, const onnx::NodeProto &node) {
          importPool(imp, node, true);
        }});
  r.add("AveragePool", {[](Importer &imp, const onnx::NodeProto &node) {
          importPool(imp, node, false);
        }});
  r.add("GlobalAveragePool", {[](Importer &imp, const onnx::NodeProto &node) {
          importGlobalPool(imp, node, false);
        }});
  r.add("GlobalMaxPool", {[](Importer &imp, const onnx::NodeProto &node) {
          importGlobalPool(imp, node, true);
        }});
  OpSpec bn;
  bn.import = importBatchNorm;
  bn.inputUse = [](const onnx::NodeProto &node, int index, int64_t opset) {
    if (index < 3)
      return InputUse::Value;
    return isTrainingBatchNorm(node, opset) ? InputUse::State
                                            : InputUse::Constant;
  };
  r.add("BatchNormalization", bn);
  r.add("LayerNormalization", {importLayerNorm});
  r.add("Dropout", {importDropout,
                    [](Importer &imp, const onnx::NodeProto &node) -> Folded {
                      if (imp.wantsOutput(node, 1))
                        return std::nullopt; // refused by the import
                      return one(*imp.lookup(node, 0).constant);
                    },
                    {1, 2}});
  r.add("Resize", {importResize, nullptr, {1, 2, 3}});
  r.add("Upsample", {importResize, nullptr, {1}});
}
