//===- ImportShape.cpp - shapes, data movement and reductions -------------===//
//
// Registry entries of the operators that compute shapes or move data, and
// of the reductions. Each computes its geometry once from the input shapes
// and applies it either as a pc op (graph tensors) or on the host
// (constants, e.g. PyTorch's shape arithmetic).
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

using namespace mlir;
using namespace pcc::detail;

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// `imp`'s input 0 reshaped to `shape`, as a graph tensor or a constant.
void defineReshaped(Importer &imp, const onnx::NodeProto &node,
                    ArrayRef<int64_t> shape) {
  imp.define(node, imp.reshape(imp.loc(node), imp.tensor(node, 0), shape));
}
Folded foldReshaped(Importer &imp, const onnx::NodeProto &node,
                    ArrayRef<int64_t> shape) {
  return one(imp.lookup(node, 0).constant->withShape(shape));
}

//===--- Constant, Shape, Size, ConstantOfShape, Range --------------------===//

Folded foldConstant(Importer &imp, const onnx::NodeProto &node) {
  if (const auto *a = imp.attr(node, "value"))
    return one(fromTensorProto(a->t()));
  if (const auto *a = imp.attr(node, "value_float"))
    return one(HostTensor::ofFloats({}, {a->f()}));
  if (const auto *a = imp.attr(node, "value_floats"))
    return one(HostTensor::ofFloats({(int64_t)a->floats_size()},
                                    {a->floats().begin(), a->floats().end()}));
  if (const auto *a = imp.attr(node, "value_int"))
    return one(HostTensor::ofInts({}, {a->i()}));
  if (const auto *a = imp.attr(node, "value_ints"))
    return one(HostTensor::ofInts({(int64_t)a->ints_size()},
                                  {a->ints().begin(), a->ints().end()}));
  imp.fail(node, "needs one of value, value_float(s), value_int(s)");
}

Folded foldShape(Importer &imp, const onnx::NodeProto &node) {
  ArrayRef<int64_t> shape = imp.shapeOf(node, 0);
  int64_t rank = shape.size();
  int64_t start = imp.intAttr(node, "start", 0), end = imp.intAttr(node, "end", rank);
  start = std::clamp(start < 0 ? start + rank : start, (int64_t)0, rank);
  end = std::clamp(end < 0 ? end + rank : end, (int64_t)0, rank);
  std::vector<int64_t> dims(shape.begin() + start,
                            shape.begin() + std::max(start, end));
  int64_t n = dims.size();
  return one(HostTensor::ofInts({n}, std::move(dims)));
}

Folded foldConstantOfShape(Importer &imp, const onnx::NodeProto &node) {
  SmallVector<int64_t> shape = imp.constantInts(node, 0, "the shape");
  for (int64_t d : shape)
    if (d < 0)
      imp.fail(node, "negative dimension in the shape");
  if (const auto *a = imp.attr(node, "value")) {
    HostTensor v = fromTensorProto(a->t());
    if (v.size() != 1)
      imp.fail(node, "value must have one element");
    return one(HostTensor::filled(shape, v.type, v.at(0)));
  }
  return one(HostTensor::filled(shape, kFloat, 0.0));
}

Folded foldRange(Importer &imp, const onnx::NodeProto &node) {
  SmallVector<const HostTensor *> in = imp.foldInputs(node);
  for (const HostTensor *t : in)
    if (t->size() != 1)
      imp.fail(node, "start, limit and delta must be scalars");
  double start = in[0]->at(0), limit = in[1]->at(0), delta = in[2]->at(0);
  if (delta == 0)
    imp.fail(node, "delta is zero");
  int64_t n = std::max<int64_t>(
      (int64_t)std::ceil((limit - start) / delta), 0);
  if (n > (1 << 24))
    imp.fail(node, "the range has " + std::to_string(n) + " elements");
  if (in[0]->isFloat()) {
    std::vector<float> v;
    for (int64_t k = 0; k < n; ++k)
      v.push_back((float)start + (float)k * (float)delta);
    return one(HostTensor::ofFloats({n}, std::move(v)));
  }
  std::vector<int64_t> v;
  for (int64_t k = 0; k < n; ++k)
    v.push_back(in[0]->ints[0] + k * in[2]->ints[0]);
  return one(HostTensor::ofInts({n}, std::move(v), in[0]->type));
}

//===--- Reshape, Flatten, Squeeze, Unsqueeze -----------------------------===//

SmallVector<int64_t> reshapeTarget(Importer &imp, const onnx::NodeProto &node) {
  ArrayRef<int64_t> in = imp.shapeOf(node, 0);
  SmallVector<int64_t> target;
  if (imp.opset >= 5)
    target = imp.constantInts(node, 1, "the shape");
  else if (auto s = imp.intsAttr(node, "shape"))
    target = *s;
  bool allowZero = imp.intAttr(node, "allowzero", 0);
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        imp.fail(node, "shape entry 0 at position " + std::to_string(i) +
                           " has no input dimension to copy");
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        imp.fail(node, "more than one -1 in the target shape");
      inferred = i;
      continue;
    }
    if (d < 0)
      imp.fail(node, "invalid target dimension " + std::to_string(d));
    if (d && known > kMaxTensorElements / d)
      imp.fail(node, "the target shape " + shapeString(target) +
                         " has more than 2^40 elements");
    known *= d;
  }
  int64_t total = numElements(in);
  if (inferred >= 0) {
    if (known == 0 || total % known)
      imp.fail(node, "cannot reshape " + shapeString(in) + " to " +
                         shapeString(target));
    target[inferred] = total / known;
  }
  if (numElements(target) != total)
    imp.fail(node, "cannot reshape " + shapeString(in) + " to " +
                       shapeString(target));
  return target;
}

SmallVector<int64_t> flattenTarget(Importer &imp, const onnx::NodeProto &node) {
  ArrayRef<int64_t> shape = imp.shapeOf(node, 0);
  int64_t rank = shape.size();
  int64_t axis = imp.intAttr(node, "axis", 1);
  if (axis < -rank || axis > rank)
    imp.fail(node, "axis " + std::to_string(axis) + " out of range for rank " +
                       std::to_string(rank));
  axis = axis < 0 ? axis + rank : axis;
  return {numElements(shape.take_front(axis)),
          numElements(shape.drop_front(axis))};
}

SmallVector<int64_t> squeezeTarget(Importer &imp, const onnx::NodeProto &node,
                                   bool unsqueeze) {
  ArrayRef<int64_t> xs = imp.shapeOf(node, 0);
  SmallVector<int64_t> axes;
  if (imp.opset >= 13 && imp.hasInput(node, 1))
    axes = imp.constantInts(node, 1, "axes");
  else if (auto a = imp.intsAttr(node, "axes"))
    axes = *a;
  int64_t rank = xs.size() + (unsqueeze ? axes.size() : 0);
  for (int64_t &a : axes)
    a = imp.normAxis(node, a, rank);
  SmallVector<int64_t> out;
  if (unsqueeze) {
    llvm::sort(axes);
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
      imp.fail(node, "axes repeat");
    out.assign(xs.begin(), xs.end());
    for (int64_t a : axes)
      out.insert(out.begin() + a, 1);
    return out;
  }
  for (int64_t d = 0; d < rank; ++d) {
    bool drop = axes.empty() ? xs[d] == 1 : llvm::is_contained(axes, d);
    if (drop && xs[d] != 1)
      imp.fail(node, "cannot squeeze axis " + std::to_string(d) + " of size " +
                         std::to_string(xs[d]));
    if (!drop)
      out.push_back(xs[d]);
  }
  return out;
}

/// Registers an op that only changes the shape, with `target` computing it.
void addReshapeLike(OpRegistry &r, StringRef name,
                    std::function<SmallVector<int64_t>(
                        Importer &, const onnx::NodeProto &)>
                        target,
                    SmallVector<int, 4> constantInputs) {
  r.add(name, {[=](Importer &imp, const onnx::NodeProto &node) {
                 defineReshaped(imp, node, target(imp, node));
               },
               [=](Importer &imp, const onnx::NodeProto &node) {
                 return foldReshaped(imp, node, target(imp, node));
               },
               constantInputs});
}

//===--- Transpose, Slice, Split, Concat, Gather, Expand, Pad -------------===//

SmallVector<int64_t> transposePerm(Importer &imp, const onnx::NodeProto &node) {
  ArrayRef<int64_t> shape = imp.shapeOf(node, 0);
  int64_t rank = shape.size();
  SmallVector<int64_t> perm;
  if (auto p = imp.intsAttr(node, "perm"))
    perm = *p;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if ((int64_t)perm.size() != rank)
    imp.fail(node, "perm has " + std::to_string(perm.size()) +
                       " entries for rank " + std::to_string(rank));
  SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      imp.fail(node, "perm is not a permutation of 0.." +
                         std::to_string(rank - 1));
    seen[p] = true;
  }
  return perm;
}

void importTranspose(Importer &imp, const onnx::NodeProto &node) {
  SmallVector<int64_t> perm = transposePerm(imp, node);
  ArrayRef<int64_t> shape = imp.shapeOf(node, 0);
  SmallVector<int64_t> out;
  for (int64_t p : perm)
    out.push_back(shape[p]);
  imp.define(node, imp.b.create<pc::TransposeOp>(
                       imp.loc(node), imp.f32Type(out), imp.tensor(node, 0),
                       imp.b.getDenseI64ArrayAttr(perm)));
}

/// A strided slice: per dimension start, step and result size.
struct SliceGeometry {
  SmallVector<int64_t> starts, steps, shape;
};

SliceGeometry sliceGeometry(Importer &imp, const onnx::NodeProto &node) {
  ArrayRef<int64_t> xs = imp.shapeOf(node, 0);
  int64_t rank = xs.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (imp.opset >= 10) {
    starts = imp.constantInts(node, 1, "starts");
    ends = imp.constantInts(node, 2, "ends");
    if (imp.hasInput(node, 3))
      axes = imp.constantInts(node, 3, "axes");
    if (imp.hasInput(node, 4))
      steps = imp.constantInts(node, 4, "steps");
  } else {
    starts = imp.intsAttr(node, "starts").value_or(SmallVector<int64_t>{});
    ends = imp.intsAttr(node, "ends").value_or(SmallVector<int64_t>{});
    axes = imp.intsAttr(node, "axes").value_or(SmallVector<int64_t>{});
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    imp.fail(node, "starts, ends, axes and steps differ in length");
  SliceGeometry g{SmallVector<int64_t>(rank, 0), SmallVector<int64_t>(rank, 1),
                  SmallVector<int64_t>(xs)};
  SmallVector<bool> seen(rank, false);
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t axis = imp.normAxis(node, axes[k], rank), dim = xs[axis];
    if (seen[axis])
      imp.fail(node, "axis " + std::to_string(axis) + " repeated");
    seen[axis] = true;
    int64_t step = steps[k];
    if (step == 0)
      imp.fail(node, "step 0 on axis " + std::to_string(axis));
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
      imp.fail(node, "the slice of axis " + std::to_string(axis) +
                         " is empty; empty tensors are not supported");
    g.starts[axis] = s;
    g.steps[axis] = step;
    g.shape[axis] = n;
  }
  return g;
}

/// The sizes along the axis of a Split's outputs.
std::pair<int64_t, SmallVector<int64_t>> splitSizes(Importer &imp,
                                                    const onnx::NodeProto &node) {
  ArrayRef<int64_t> xs = imp.shapeOf(node, 0);
  int64_t axis = imp.normAxis(node, imp.intAttr(node, "axis", 0), xs.size());
  int64_t dim = xs[axis], parts = node.output_size();
  SmallVector<int64_t> sizes;
  if (imp.opset >= 13 && imp.hasInput(node, 1))
    sizes = imp.constantInts(node, 1, "split");
  else if (auto s = imp.intsAttr(node, "split"))
    sizes = *s;
  if (sizes.empty()) {
    int64_t n = imp.intAttr(node, "num_outputs", parts);
    if (n != parts)
      imp.fail(node, "num_outputs differs from the number of outputs");
    int64_t each = ceilDiv(dim, parts);
    for (int64_t k = 0; k < parts; ++k)
      sizes.push_back(std::min(each, dim - k * each));
    if (!imp.attr(node, "num_outputs") && dim % parts)
      imp.fail(node, "axis size " + std::to_string(dim) +
                         " does not split into " + std::to_string(parts) +
                         " equal parts");
  }
  if ((int64_t)sizes.size() != parts)
    imp.fail(node, "split has " + std::to_string(sizes.size()) +
                       " entries for " + std::to_string(parts) + " outputs");
  int64_t offset = 0;
  for (auto [k, size] : llvm::enumerate(sizes)) {
    if (size <= 0)
      imp.fail(node, "output " + std::to_string(k) +
                         " would be empty; empty tensors are not supported");
    offset += size;
  }
  if (offset != dim)
    imp.fail(node, "split sizes sum to " + std::to_string(offset) +
                       ", not the axis size " + std::to_string(dim));
  return {axis, sizes};
}

void importSplit(Importer &imp, const onnx::NodeProto &node) {
  auto [axis, sizes] = splitSizes(imp, node);
  Value x = imp.tensor(node, 0);
  int64_t offset = 0;
  for (auto [k, size] : llvm::enumerate(sizes)) {
    imp.defineOutput(node, k, imp.sliceAxis(imp.loc(node), x, axis, offset, size));
    offset += size;
  }
}

Folded foldSplit(Importer &imp, const onnx::NodeProto &node) {
  auto [axis, sizes] = splitSizes(imp, node);
  const HostTensor &x = *imp.lookup(node, 0).constant;
  SmallVector<HostTensor> parts;
  int64_t offset = 0;
  for (int64_t size : sizes) {
    SmallVector<int64_t> starts(x.shape.size(), 0), steps(x.shape.size(), 1),
        shape(x.shape);
    starts[axis] = offset;
    shape[axis] = size;
    parts.push_back(hostSlice(x, starts, steps, shape));
    offset += size;
  }
  return parts;
}

int64_t concatAxis(Importer &imp, const onnx::NodeProto &node) {
  ArrayRef<int64_t> first = imp.shapeOf(node, 0);
  int64_t rank = first.size();
  if (!imp.attr(node, "axis"))
    imp.fail(node, "attribute 'axis' is required");
  if (rank == 0)
    imp.fail(node, "input '" + node.input(0) +
                       "' is a scalar; Concat joins tensors of rank >= 1");
  int64_t axis = imp.normAxis(node, imp.intAttr(node, "axis", 0), rank);
  for (int i = 0; i < node.input_size(); ++i) {
    ArrayRef<int64_t> s = imp.shapeOf(node, i);
    if ((int64_t)s.size() != rank)
      imp.fail(node, "input shapes " + shapeString(first) + " and " +
                         shapeString(s) + " differ in rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && s[d] != first[d])
        imp.fail(node, "input shapes " + shapeString(first) + " and " +
                           shapeString(s) + " differ off axis " +
                           std::to_string(axis));
  }
  return axis;
}

void importConcat(Importer &imp, const onnx::NodeProto &node) {
  int64_t axis = concatAxis(imp, node);
  if (node.input_size() == 1)
    return imp.forward(node, 0);
  SmallVector<Value> inputs;
  SmallVector<int64_t> out(imp.shapeOf(node, 0));
  out[axis] = 0;
  for (int i = 0; i < node.input_size(); ++i) {
    inputs.push_back(imp.tensor(node, i));
    out[axis] += imp.shapeOf(node, i)[axis];
  }
  imp.define(node, imp.b.create<pc::ConcatOp>(imp.loc(node), imp.f32Type(out),
                                              inputs,
                                              imp.b.getI64IntegerAttr(axis)));
}

Folded foldConcat(Importer &imp, const onnx::NodeProto &node) {
  int64_t axis = concatAxis(imp, node);
  SmallVector<const HostTensor *> in = imp.foldInputs(node);
  SmallVector<HostTensor> same;
  for (const HostTensor *t : in)
    same.push_back(castTo(*t, in.front()->type));
  SmallVector<const HostTensor *> parts;
  for (const HostTensor &t : same)
    parts.push_back(&t);
  return one(hostConcat(parts, axis));
}

/// Gather's axis and in-range, non-negative flat indices.
std::pair<int64_t, SmallVector<int64_t>> gatherIndices(Importer &imp,
                                                       const onnx::NodeProto &node) {
  ArrayRef<int64_t> xs = imp.shapeOf(node, 0);
  int64_t axis = imp.normAxis(node, imp.intAttr(node, "axis", 0), xs.size());
  const HostTensor &idx = imp.constant(node, 1, "the indices");
  if (idx.isFloat())
    imp.fail(node, "indices must be integers");
  SmallVector<int64_t> flat;
  for (int64_t j : idx.ints) {
    if (j < -xs[axis] || j >= xs[axis])
      imp.fail(node, "index " + std::to_string(j) +
                         " out of range for axis size " +
                         std::to_string(xs[axis]));
    flat.push_back(j < 0 ? j + xs[axis] : j);
  }
  if (flat.empty())
    imp.fail(node, "no indices; empty tensors are not supported");
  return {axis, flat};
}

void importGather(Importer &imp, const onnx::NodeProto &node) {
  auto [axis, flat] = gatherIndices(imp, node);
  Value x = imp.tensor(node, 0);
  ArrayRef<int64_t> xs = imp.shapeOfValue(x);
  ArrayRef<int64_t> idxShape = imp.lookup(node, 1).constant->shape;
  SmallVector<int64_t> gathered(xs), out(xs.take_front(axis));
  gathered[axis] = flat.size();
  out.append(idxShape.begin(), idxShape.end());
  out.append(xs.begin() + axis + 1, xs.end());
  Location l = imp.loc(node);
  Value g = imp.b.create<pc::GatherOp>(l, imp.f32Type(gathered), x,
                                       imp.b.getI64IntegerAttr(axis),
                                       imp.b.getDenseI64ArrayAttr(flat));
  imp.define(node, imp.reshape(l, g, out));
}

SmallVector<int64_t> expandTarget(Importer &imp, const onnx::NodeProto &node) {
  SmallVector<int64_t> shape = imp.constantInts(node, 1, "the shape");
  try {
    return broadcastShape(imp.shapeOf(node, 0), shape);
  } catch (const ImportError &) {
    imp.fail(node, "input " + shapeString(imp.shapeOf(node, 0)) +
                       " does not broadcast to " + shapeString(shape));
  }
}

void importExpand(Importer &imp, const onnx::NodeProto &node) {
  SmallVector<int64_t> out = expandTarget(imp, node);
  if (ArrayRef<int64_t>(out) == imp.shapeOf(node, 0))
    return imp.forward(node, 0);
  imp.define(node, imp.b.create<pc::BroadcastToOp>(
                       imp.loc(node), imp.f32Type(out), imp.tensor(node, 0)));
}

/// Pad (constant mode): cropping slice for negative pads, then the padding.
struct PadGeometry {
  SliceGeometry crop;
  SmallVector<int64_t> low, high;
  float value = 0.0f;
};

PadGeometry padGeometry(Importer &imp, const onnx::NodeProto &node) {
  std::string mode = imp.stringAttr(node, "mode", "constant");
  if (mode != "constant")
    imp.fail(node, "mode '" + mode + "' is not supported (only constant)");
  ArrayRef<int64_t> xs = imp.shapeOf(node, 0);
  int64_t rank = xs.size();
  SmallVector<int64_t> pads, axes;
  PadGeometry g;
  if (imp.opset >= 11) {
    pads = imp.constantInts(node, 1, "pads");
    if (imp.hasInput(node, 2)) {
      const HostTensor &v = imp.constant(node, 2, "constant_value");
      g.value = v.size() ? v.at(0) : 0.0f;
    }
    if (imp.hasInput(node, 3))
      axes = imp.constantInts(node, 3, "axes");
  } else {
    pads = imp.intsAttr(node, "pads").value_or(SmallVector<int64_t>{});
    g.value = imp.floatAttr(node, "value", 0.0f);
  }
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  int64_t na = axes.size();
  if ((int64_t)pads.size() != 2 * na)
    imp.fail(node, "pads has " + std::to_string(pads.size()) +
                       " entries, expected " + std::to_string(2 * na));
  // Bounded like every dimension, so that the geometry below cannot
  // overflow.
  for (int64_t p : pads)
    if (p < -kMaxTensorElements || p > kMaxTensorElements)
      imp.fail(node, "pad " + std::to_string(p) + " is out of range");
  g.low.assign(rank, 0);
  g.high.assign(rank, 0);
  for (int64_t k = 0; k < na; ++k) {
    int64_t axis = imp.normAxis(node, axes[k], rank);
    g.low[axis] = pads[k];
    g.high[axis] = pads[k + na];
  }
  // Negative pads crop first.
  g.crop = {SmallVector<int64_t>(rank, 0), SmallVector<int64_t>(rank, 1),
            SmallVector<int64_t>(xs)};
  for (int64_t i = 0; i < rank; ++i) {
    if (g.low[i] < 0)
      g.crop.starts[i] = -g.low[i], g.crop.shape[i] += g.low[i], g.low[i] = 0;
    if (g.high[i] < 0)
      g.crop.shape[i] += g.high[i], g.high[i] = 0;
    if (g.crop.shape[i] <= 0)
      imp.fail(node, "pads leave axis " + std::to_string(i) + " empty");
  }
  return g;
}

void importPad(Importer &imp, const onnx::NodeProto &node) {
  PadGeometry g = padGeometry(imp, node);
  Location l = imp.loc(node);
  Value x = imp.slice(l, imp.tensor(node, 0), g.crop.starts, g.crop.steps,
                      g.crop.shape);
  SmallVector<int64_t> out(g.crop.shape);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] += g.low[i] + g.high[i];
  if (ArrayRef<int64_t>(out) == ArrayRef<int64_t>(g.crop.shape))
    return imp.define(node, x);
  imp.define(node, imp.b.create<pc::PadOp>(
                       l, imp.f32Type(out), x, imp.b.getDenseI64ArrayAttr(g.low),
                       imp.b.getDenseI64ArrayAttr(g.high),
                       imp.b.getF32FloatAttr(g.value)));
}

Folded foldPad(Importer &imp, const onnx::NodeProto &node) {
  PadGeometry g = padGeometry(imp, node);
  HostTensor x = hostSlice(*imp.lookup(node, 0).constant, g.crop.starts,
                           g.crop.steps, g.crop.shape);
  return one(hostPad(x, g.low, g.high, g.value));
}

//===--- reductions -------------------------------------------------------===//

/// The reduced axes (sorted), or nullopt for a no-op (noop_with_empty_axes).
std::optional<SmallVector<int64_t>> reductionAxes(Importer &imp,
                                                  const onnx::NodeProto &node,
                                                  int64_t axesInputOpset) {
  int64_t rank = imp.shapeOf(node, 0).size();
  SmallVector<int64_t> axes = imp.axesOf(node, 1, axesInputOpset, rank);
  if (axes.empty()) {
    if (imp.intAttr(node, "noop_with_empty_axes", 0))
      return std::nullopt;
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  return axes;
}

/// The result shape without the reduced axes when keepdims is 0.
SmallVector<int64_t> reducedShape(Importer &imp, const onnx::NodeProto &node,
                                  ArrayRef<int64_t> axes) {
  ArrayRef<int64_t> xs = imp.shapeOf(node, 0);
  bool keep = imp.intAttr(node, "keepdims", 1);
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < (int64_t)xs.size(); ++i) {
    bool reduced = llvm::is_contained(axes, i);
    if (!reduced)
      out.push_back(xs[i]);
    else if (keep)
      out.push_back(1);
  }
  return out;
}

void importReduction(Importer &imp, const onnx::NodeProto &node,
                     Reduction kind, int64_t axesInputOpset) {
  std::optional<SmallVector<int64_t>> axes =
      reductionAxes(imp, node, axesInputOpset);
  if (!axes)
    return imp.forward(node, 0);
  Location l = imp.loc(node);
  Value x = imp.tensor(node, 0);
  ArrayRef<int64_t> xs = imp.shapeOfValue(x);
  SmallVector<int64_t> kept(xs);
  int64_t count = 1;
  for (int64_t a : *axes) {
    count *= xs[a];
    kept[a] = 1;
  }
  auto axesAttr = imp.b.getDenseI64ArrayAttr(*axes);
  Value r;
  switch (kind) {
  case Reduction::Sum:
  case Reduction::Mean:
    r = imp.b.create<pc::ReduceSumOp>(
        l, imp.f32Type(kept), x, axesAttr,
        imp.b.getF32FloatAttr(kind == Reduction::Mean ? 1.0f / count : 1.0f));
    break;
  case Reduction::Max:
    r = imp.b.create<pc::ReduceMaxOp>(l, imp.f32Type(kept), x, axesAttr);
    break;
  case Reduction::Min: // -max(-x)
    r = imp.b.create<pc::NegOp>(
        l, imp.b.create<pc::ReduceMaxOp>(l, imp.f32Type(kept),
                                         imp.b.create<pc::NegOp>(l, x),
                                         axesAttr));
    break;
  case Reduction::Prod:
    imp.fail(node, "ReduceProd of a run-time tensor is not supported");
  }
  imp.define(node, imp.reshape(l, r, reducedShape(imp, node, *axes)));
}

Folded foldReduction(Importer &imp, const onnx::NodeProto &node,
                     Reduction kind, int64_t axesInputOpset) {
  std::optional<SmallVector<int64_t>> axes =
      reductionAxes(imp, node, axesInputOpset);
  const HostTensor &x = *imp.lookup(node, 0).constant;
  if (!axes)
    return one(x);
  HostTensor r = hostReduce(x, *axes, kind);
  return one(r.withShape(reducedShape(imp, node, *axes)));
}

void addReduction(OpRegistry &r, StringRef name, Reduction kind,
                  int64_t axesInputOpset) {
  r.add(name, {[=](Importer &imp, const onnx::NodeProto &node) {
                 importReduction(imp, node, kind, axesInputOpset);
               },
               [=](Importer &imp, const onnx::NodeProto &node) {
                 return foldReduction(imp, node, kind, axesInputOpset);
               },
               {1}});
}

} // namespace

void pcc::detail::registerShapeOps(OpRegistry &r) {
  r.add("Constant", {nullptr, foldConstant});
  OpSpec shape;
  shape.fold = foldShape;
  shape.foldsOnShapes = true;
  r.add("Shape", shape);
  OpSpec size;
  size.fold = [](Importer &imp, const onnx::NodeProto &node) -> Folded {
    return one(HostTensor::ofInts({}, {numElements(imp.shapeOf(node, 0))}));
  };
  size.foldsOnShapes = true;
  r.add("Size", size);
  r.add("ConstantOfShape", {nullptr, foldConstantOfShape});
  r.add("Range", {nullptr, foldRange});
  auto identity = OpSpec{
      [](Importer &imp, const onnx::NodeProto &node) { imp.forward(node, 0); },
      [](Importer &imp, const onnx::NodeProto &node) {
        return one(*imp.lookup(node, 0).constant);
      }};
  r.add("Identity", identity);

  addReshapeLike(r, "Reshape", reshapeTarget, {1});
  addReshapeLike(r, "Flatten", flattenTarget, {});
  addReshapeLike(
      r, "Squeeze",
      [](Importer &imp, const onnx::NodeProto &node) {
        return squeezeTarget(imp, node, false);
      },
      {1});
  addReshapeLike(
      r, "Unsqueeze",
      [](Importer &imp, const onnx::NodeProto &node) {
        return squeezeTarget(imp, node, true);
      },
      {1});

  r.add("Transpose", {importTranspose,
                      [](Importer &imp, const onnx::NodeProto &node) {
                        return one(hostTranspose(*imp.lookup(node, 0).constant,
                                                 transposePerm(imp, node)));
                      }});
  r.add("Slice", {[](Importer &imp, const onnx::NodeProto &node) {
                    SliceGeometry g = sliceGeometry(imp, node);
                    imp.define(node, imp.slice(imp.loc(node), imp.tensor(node, 0),
                                               g.starts, g.steps, g.shape));
                  },
                  [](Importer &imp, const onnx::NodeProto &node) {
                    SliceGeometry g = sliceGeometry(imp, node);
                    return one(hostSlice(*imp.lookup(node, 0).constant,
                                         g.starts, g.steps, g.shape));
                  },
                  {1, 2, 3, 4}});
  r.add("Split", {importSplit, foldSplit, {1}});
  r.add("Concat", {importConcat, foldConcat});
  r.add("Gather", {importGather,
                   [](Importer &imp, const onnx::NodeProto &node) {
                     auto [axis, flat] = gatherIndices(imp, node);
                     return one(hostGather(*imp.lookup(node, 0).constant, axis,
                                           flat,
                                           imp.lookup(node, 1).constant->shape));
                   },
                   {1}});
  r.add("Expand", {importExpand,
                   [](Importer &imp, const onnx::NodeProto &node) {
                     return one(hostBroadcast(*imp.lookup(node, 0).constant,
                                              expandTarget(imp, node)));
                   },
                   {1}});
  r.add("Pad", {importPad, foldPad, {1, 2, 3}});

  addReduction(r, "ReduceSum", Reduction::Sum, 13);
  addReduction(r, "ReduceMean", Reduction::Mean, 18);
  addReduction(r, "ReduceMax", Reduction::Max, 18);
  addReduction(r, "ReduceMin", Reduction::Min, 18);
  addReduction(r, "ReduceProd", Reduction::Prod, 18);
}
