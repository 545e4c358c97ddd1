//===- ImportMath.cpp - arithmetic, comparisons, activations, products ----===//
//
// Registry entries of the elementwise operators (their graph form and their
// host fold), of Where and Cast, of the variadic Min/Max/Sum/Mean, and of
// Gemm, MatMul, Softmax and LogSoftmax.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace pcc::detail;

namespace {

using I = ArrayRef<int64_t>;
using F = ArrayRef<float>;

/// A fold applying scalar functions elementwise to every input.
template <typename IntOp, typename FloatOp>
std::function<Folded(Importer &, const onnx::NodeProto &)>
foldElementwise(IntOp fi, FloatOp ff, int32_t resultType = 0) {
  return [=](Importer &imp, const onnx::NodeProto &node) -> Folded {
    return one(mapElements(imp.foldInputs(node), fi, ff, resultType));
  };
}

/// A fold of a float-only function (integers are refused as unfoldable).
template <typename FloatOp>
std::function<Folded(Importer &, const onnx::NodeProto &)>
foldFloat(FloatOp ff) {
  return [=](Importer &imp, const onnx::NodeProto &node) -> Folded {
    SmallVector<const HostTensor *> in = imp.foldInputs(node);
    if (!in.front()->isFloat())
      imp.fail(node, "integer inputs are not supported");
    return one(mapElements(in, [](I) -> int64_t { return 0; }, ff));
  };
}

template <typename OpTy>
void importUnary(Importer &imp, const onnx::NodeProto &node) {
  imp.define(node, imp.b.create<OpTy>(imp.loc(node), imp.tensor(node, 0)));
}

template <typename OpTy>
void importBinary(Importer &imp, const onnx::NodeProto &node) {
  if (imp.attr(node, "broadcast"))
    imp.fail(node, "the legacy 'broadcast' attribute (opset < 7) is not "
                   "supported");
  imp.define(node, imp.binary<OpTy>(node, imp.tensor(node, 0),
                                    imp.tensor(node, 1)));
}

/// Variadic ops (Max, Min, Sum, Mean) as a chain of binary ones.
template <typename OpTy>
Value chain(Importer &imp, const onnx::NodeProto &node) {
  Value acc = imp.tensor(node, 0);
  for (int i = 1; i < node.input_size(); ++i)
    acc = imp.binary<OpTy>(node, acc, imp.tensor(node, i));
  return acc;
}

/// A fold combining the inputs pairwise, left to right.
template <typename IntOp, typename FloatOp>
std::function<Folded(Importer &, const onnx::NodeProto &)>
foldVariadic(IntOp fi, FloatOp ff, bool mean = false) {
  return [=](Importer &imp, const onnx::NodeProto &node) -> Folded {
    SmallVector<const HostTensor *> in = imp.foldInputs(node);
    HostTensor acc = *in.front();
    for (const HostTensor *t : ArrayRef(in).drop_front())
      acc = mapElements({&acc, t}, fi, ff);
    if (mean) {
      HostTensor n = HostTensor::filled({}, acc.type, in.size());
      acc = mapElements({&acc, &n}, [](I a) { return a[0] / a[1]; },
                        [](F a) -> double { return a[0] / a[1]; });
    }
    return one(std::move(acc));
  };
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float hardSigmoid(float x, float alpha, float beta) {
  return std::max(0.0f, std::min(1.0f, alpha * x + beta));
}

//===--- Clip and Pow: constant bounds and exponents ----------------------===//

std::pair<float, float> clipBounds(Importer &imp, const onnx::NodeProto &node) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  if (imp.opset >= 11) {
    if (imp.hasInput(node, 1))
      lo = imp.constant(node, 1, "min").at(0);
    if (imp.hasInput(node, 2))
      hi = imp.constant(node, 2, "max").at(0);
  } else {
    lo = imp.floatAttr(node, "min", lo);
    hi = imp.floatAttr(node, "max", hi);
  }
  return {lo, hi};
}

void importClip(Importer &imp, const onnx::NodeProto &node) {
  auto [lo, hi] = clipBounds(imp, node);
  imp.define(node, imp.b.create<pc::ClipOp>(imp.loc(node), imp.tensor(node, 0),
                                            imp.b.getF32FloatAttr(lo),
                                            imp.b.getF32FloatAttr(hi)));
}

Folded foldClip(Importer &imp, const onnx::NodeProto &node) {
  auto [lo, hi] = clipBounds(imp, node);
  const HostTensor &x = *imp.lookup(node, 0).constant;
  return one(mapElements(
      {&x},
      [&](I a) {
        return std::min<int64_t>(std::max<int64_t>(a[0], lo), hi);
      },
      [&](F a) -> double { return std::min(std::max(a[0], lo), hi); }));
}

void importPow(Importer &imp, const onnx::NodeProto &node) {
  const HostTensor &e = imp.constant(node, 1, "the exponent");
  if (e.size() == 0)
    imp.fail(node, "the exponent is empty");
  for (int64_t k = 1; k < e.size(); ++k)
    if (e.at(k) != e.at(0))
      imp.fail(node, "the exponent must be one value; an elementwise exponent "
                     "tensor is not supported");
  imp.define(node, imp.b.create<pc::PowOp>(imp.loc(node), imp.tensor(node, 0),
                                           imp.b.getF32FloatAttr(e.at(0))));
}

//===--- Where and Cast ---------------------------------------------------===//

void importWhere(Importer &imp, const onnx::NodeProto &node) {
  const HostTensor &c = imp.constant(node, 0, "the condition");
  Value x = imp.tensor(node, 1), y = imp.tensor(node, 2);
  SmallVector<int64_t> shape = broadcastShape(
      broadcastShape(c.shape, imp.shapeOfValue(x)), imp.shapeOfValue(y));
  SmallVector<bool> bits;
  for (int64_t k = 0; k < c.size(); ++k)
    bits.push_back(c.at(k) != 0);
  auto condType = RankedTensorType::get(c.shape, imp.b.getI1Type());
  imp.define(node, imp.b.create<pc::WhereOp>(
                       imp.loc(node), imp.f32Type(shape), x, y,
                       DenseElementsAttr::get(condType, ArrayRef<bool>(bits))));
}

Folded foldWhere(Importer &imp, const onnx::NodeProto &node) {
  SmallVector<const HostTensor *> in = imp.foldInputs(node);
  SmallVector<int64_t> shape =
      broadcastShape(broadcastShape(in[0]->shape, in[1]->shape), in[2]->shape);
  HostTensor c = hostBroadcast(*in[0], shape), x = hostBroadcast(*in[1], shape),
             y = hostBroadcast(*in[2], shape);
  if (x.type != y.type)
    imp.fail(node, "X and Y have types " + typeName(x.type) + " and " +
                       typeName(y.type));
  for (int64_t k = 0; k < c.size(); ++k)
    if (!c.ints[k]) {
      if (x.isFloat())
        x.floats[k] = y.floats[k];
      else
        x.ints[k] = y.ints[k];
    }
  return one(std::move(x));
}

int32_t castTarget(Importer &imp, const onnx::NodeProto &node) {
  const auto *to = imp.attr(node, "to");
  if (!to)
    imp.fail(node, "attribute 'to' is required");
  if (!isHostType(to->i()))
    imp.fail(node, "Cast to " + typeName(to->i()) +
                       " is not supported (supported: FLOAT, the integer "
                       "types and BOOL)");
  return to->i();
}

void importCast(Importer &imp, const onnx::NodeProto &node) {
  // Graph tensors are float32: only a cast to float32 keeps them.
  int32_t to = castTarget(imp, node);
  if (to != kFloat)
    imp.fail(node, "Cast of the run-time tensor '" + node.input(0) + "' to " +
                       typeName(to) +
                       " is not supported: pcc computes in float32");
  imp.forward(node, 0);
}

//===--- products and softmax ---------------------------------------------===//

void importGemm(Importer &imp, const onnx::NodeProto &node) {
  imp.rejectAttrsExcept(node, {"alpha", "beta", "transA", "transB"});
  OpBuilder &b = imp.b;
  Value a = imp.tensor(node, 0), bm = imp.tensor(node, 1);
  auto as = imp.shapeOfValue(a), bs = imp.shapeOfValue(bm);
  if (as.size() != 2 || bs.size() != 2)
    imp.fail(node, "A and B must be 2-D, got " + shapeString(as) + " and " +
                       shapeString(bs));
  bool ta = imp.intAttr(node, "transA", 0), tb = imp.intAttr(node, "transB", 0);
  int64_t m = ta ? as[1] : as[0], k = ta ? as[0] : as[1];
  int64_t k2 = tb ? bs[1] : bs[0], n = tb ? bs[0] : bs[1];
  if (k != k2)
    imp.fail(node, "inner dimensions differ: A " + shapeString(as) + ", B " +
                       shapeString(bs));
  Location l = imp.loc(node);
  Value y = b.create<pc::MatMulOp>(l, imp.f32Type({m, n}), a, bm, ta, tb);
  float alpha = imp.floatAttr(node, "alpha", 1.0f);
  float beta = imp.floatAttr(node, "beta", 1.0f);
  if (alpha != 1.0f)
    y = imp.binary<pc::MulOp>(node, y, imp.scalarConstant(l, alpha));
  if (imp.hasInput(node, 2) && beta != 0.0f) {
    Value c = imp.tensor(node, 2);
    auto cs = imp.shapeOfValue(c);
    FailureOr<SmallVector<int64_t>> bc = pc::broadcastShapes(cs, {m, n});
    if (failed(bc) || (*bc)[0] != m || (*bc)[1] != n)
      imp.fail(node, "C " + shapeString(cs) + " does not broadcast to " +
                         shapeString({m, n}));
    if (beta != 1.0f)
      c = imp.binary<pc::MulOp>(node, c, imp.scalarConstant(l, beta));
    y = imp.binary<pc::AddOp>(node, y, c);
  }
  imp.define(node, y);
}

/// `v` broadcast to `shape` (a pc.broadcast_to, or `v` itself).
Value broadcastTo(Importer &imp, Location l, Value v, ArrayRef<int64_t> shape) {
  if (imp.shapeOfValue(v) == shape)
    return v;
  return imp.b.create<pc::BroadcastToOp>(l, imp.f32Type(shape), v);
}

void importMatMul(Importer &imp, const onnx::NodeProto &node) {
  Location l = imp.loc(node);
  Value a = imp.tensor(node, 0), bm = imp.tensor(node, 1);
  SmallVector<int64_t> as(imp.shapeOfValue(a)), bs(imp.shapeOfValue(bm));
  if (as.empty() || bs.empty())
    imp.fail(node, "scalar operands are not supported");
  // NumPy: a 1-D operand is a row (lhs) or a column (rhs), removed after.
  bool rowVector = as.size() == 1, colVector = bs.size() == 1;
  if (rowVector)
    as.insert(as.begin(), 1);
  if (colVector)
    bs.push_back(1);
  a = imp.reshape(l, a, as);
  bm = imp.reshape(l, bm, bs);
  int64_t k = as.back(), n = bs.back();
  if (k != bs[bs.size() - 2])
    imp.fail(node, "inner dimensions differ: " + shapeString(as) + " x " +
                       shapeString(bs));
  SmallVector<int64_t> outShape;
  Value y;
  if (bs.size() == 2) {
    // N-D x 2-D: one matrix product over all rows of the lhs.
    int64_t rows = numElements(ArrayRef<int64_t>(as).drop_back());
    y = imp.b.create<pc::MatMulOp>(l, imp.f32Type({rows, n}),
                                   imp.reshape(l, a, {rows, k}), bm, false,
                                   false);
    outShape = as;
    outShape.back() = n;
  } else {
    // Batched, with the batch dimensions broadcast (NumPy rules).
    SmallVector<int64_t> batch;
    try {
      batch = broadcastShape(ArrayRef(as).drop_back(2),
                             ArrayRef(bs).drop_back(2));
    } catch (const ImportError &) {
      imp.fail(node, "batch dimensions of " + shapeString(as) + " and " +
                         shapeString(bs) + " do not broadcast");
    }
    SmallVector<int64_t> aFull(batch), bFull(batch);
    aFull.append({as[as.size() - 2], k});
    bFull.append({k, n});
    outShape = batch;
    outShape.append({as[as.size() - 2], n});
    y = imp.b.create<pc::MatMulOp>(l, imp.f32Type(outShape),
                                   broadcastTo(imp, l, a, aFull),
                                   broadcastTo(imp, l, bm, bFull), false, false);
  }
  y = imp.reshape(l, y, outShape);
  if (rowVector)
    outShape.erase(outShape.end() - 2);
  if (colVector)
    outShape.pop_back();
  imp.define(node, imp.reshape(l, y, outShape));
}

void importSoftmax(Importer &imp, const onnx::NodeProto &node, bool log) {
  Value x = imp.tensor(node, 0);
  auto shape = imp.shapeOfValue(x);
  int64_t rank = shape.size();
  Location l = imp.loc(node);
  auto make = [&](Value v, int64_t axis) -> Value {
    if (log)
      return imp.b.create<pc::LogSoftmaxOp>(l, v, axis);
    return imp.b.create<pc::SoftmaxOp>(l, v, axis);
  };
  if (imp.opset >= 13) {
    int64_t axis = imp.normAxis(node, imp.intAttr(node, "axis", -1), rank);
    imp.define(node, make(x, axis));
    return;
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  int64_t axis = imp.normAxis(node, imp.intAttr(node, "axis", 1), rank);
  Value flat = imp.reshape(l, x, {numElements(shape.take_front(axis)),
                                 numElements(shape.drop_front(axis))});
  imp.define(node, imp.reshape(l, make(flat, 1), shape));
}

Folded foldSoftmax(Importer &imp, const onnx::NodeProto &node, bool log) {
  // Constant softmax: along one axis (opset >= 13) or the 2-D coercion.
  const HostTensor &x = *imp.lookup(node, 0).constant;
  if (!x.isFloat())
    imp.fail(node, "integer inputs are not supported");
  int64_t rank = x.shape.size();
  bool single = imp.opset >= 13;
  int64_t axis =
      imp.normAxis(node, imp.intAttr(node, "axis", single ? -1 : 1), rank);
  ArrayRef<int64_t> s = x.shape;
  int64_t outer = numElements(s.take_front(axis));
  int64_t len = single ? s[axis] : numElements(s.drop_front(axis));
  int64_t inner = single ? numElements(s.drop_front(axis + 1)) : 1;
  HostTensor r = x;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) -> float & {
        return r.floats[(o * len + j) * inner + i];
      };
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < len; ++j)
        mx = std::max(mx, at(j));
      double sum = 0;
      for (int64_t j = 0; j < len; ++j)
        sum += std::exp(at(j) - mx);
      for (int64_t j = 0; j < len; ++j)
        at(j) = log ? at(j) - mx - std::log(sum) : std::exp(at(j) - mx) / sum;
    }
  return one(std::move(r));
}

} // namespace

void pcc::detail::registerMathOps(OpRegistry &r) {
  // Arithmetic.
  r.add("Add", {importBinary<pc::AddOp>,
                foldElementwise([](I a) { return a[0] + a[1]; },
                                [](F a) -> double { return a[0] + a[1]; })});
  r.add("Sub", {importBinary<pc::SubOp>,
                foldElementwise([](I a) { return a[0] - a[1]; },
                                [](F a) -> double { return a[0] - a[1]; })});
  r.add("Mul", {importBinary<pc::MulOp>,
                foldElementwise([](I a) { return a[0] * a[1]; },
                                [](F a) -> double { return a[0] * a[1]; })});
  r.add("Div", {importBinary<pc::DivOp>,
                [](Importer &imp, const onnx::NodeProto &node) -> Folded {
                  SmallVector<const HostTensor *> in = imp.foldInputs(node);
                  if (!in[1]->isFloat())
                    for (int64_t d : in[1]->ints)
                      if (d == 0)
                        imp.fail(node, "integer division by zero");
                  return one(mapElements(
                      in, [](I a) { return a[0] / a[1]; },
                      [](F a) -> double { return a[0] / a[1]; }));
                }});
  r.add("Pow",
        {importPow,
         foldElementwise(
             [](I a) {
               int64_t p = 1;
               for (int64_t k = 0; k < a[1]; ++k)
                 p *= a[0];
               return p;
             },
             [](F a) -> double { return std::pow(a[0], a[1]); }),
         {1}});
  r.add("Neg", {importUnary<pc::NegOp>,
                foldElementwise([](I a) { return -a[0]; },
                                [](F a) -> double { return -a[0]; })});
  r.add("Abs", {importUnary<pc::AbsOp>,
                foldElementwise([](I a) { return std::abs(a[0]); },
                                [](F a) -> double { return std::fabs(a[0]); })});
  r.add("Sqrt", {importUnary<pc::SqrtOp>,
                 foldFloat([](F a) -> double { return std::sqrt(a[0]); })});
  r.add("Exp", {importUnary<pc::ExpOp>,
                foldFloat([](F a) -> double { return std::exp(a[0]); })});
  r.add("Log", {importUnary<pc::LogOp>,
                foldFloat([](F a) -> double { return std::log(a[0]); })});
  r.add("Reciprocal",
        {[](Importer &imp, const onnx::NodeProto &node) {
           imp.define(node, imp.binary<pc::DivOp>(
                                node, imp.scalarConstant(imp.loc(node), 1.0f),
                                imp.tensor(node, 0)));
         },
         foldFloat([](F a) -> double { return 1.0f / a[0]; })});
  r.add("Floor", {nullptr,
                  foldFloat([](F a) -> double { return std::floor(a[0]); })});
  r.add("Ceil", {nullptr,
                 foldFloat([](F a) -> double { return std::ceil(a[0]); })});
  r.add("Round", {nullptr, foldFloat([](F a) -> double {
                    return std::nearbyint(a[0]); // ties to even
                  })});
  r.add("Sign", {nullptr,
                 foldElementwise([](I a) -> int64_t { return (a[0] > 0) - (a[0] < 0); },
                                 [](F a) -> double {
                                   return (a[0] > 0) - (a[0] < 0);
                                 })});
  r.add("Sin", {nullptr, foldFloat([](F a) -> double { return std::sin(a[0]); })});
  r.add("Cos", {nullptr, foldFloat([](F a) -> double { return std::cos(a[0]); })});
  r.add("Erf", {importUnary<pc::ErfOp>,
                foldFloat([](F a) -> double { return std::erf(a[0]); })});

  // Activations.
  r.add("Relu", {importUnary<pc::ReluOp>,
                 foldElementwise([](I a) { return std::max<int64_t>(a[0], 0); },
                                 [](F a) -> double {
                                   return std::max(a[0], 0.0f);
                                 })});
  r.add("Sigmoid", {importUnary<pc::SigmoidOp>,
                    foldFloat([](F a) -> double { return sigmoid(a[0]); })});
  r.add("Tanh", {importUnary<pc::TanhOp>,
                 foldFloat([](F a) -> double { return std::tanh(a[0]); })});
  r.add("Softplus", {importUnary<pc::SoftplusOp>,
                     foldFloat([](F a) -> double {
                       return std::max(a[0], 0.0f) +
                              std::log1p(std::exp(-std::fabs(a[0])));
                     })});
  r.add("LeakyRelu",
        {[](Importer &imp, const onnx::NodeProto &node) {
           imp.define(node, imp.b.create<pc::LeakyReluOp>(
                                imp.loc(node), imp.tensor(node, 0),
                                imp.b.getF32FloatAttr(
                                    imp.floatAttr(node, "alpha", 0.01f))));
         },
         [](Importer &imp, const onnx::NodeProto &node) -> Folded {
           float alpha = imp.floatAttr(node, "alpha", 0.01f);
           return one(mapElements(
               imp.foldInputs(node), [](I a) { return a[0]; },
               [&](F a) -> double { return a[0] >= 0 ? a[0] : alpha * a[0]; }));
         }});
  r.add("Elu", {[](Importer &imp, const onnx::NodeProto &node) {
                  imp.define(node, imp.b.create<pc::EluOp>(
                                       imp.loc(node), imp.tensor(node, 0),
                                       imp.b.getF32FloatAttr(
                                           imp.floatAttr(node, "alpha", 1.0f))));
                }});
  r.add("HardSigmoid",
        {[](Importer &imp, const onnx::NodeProto &node) {
           imp.define(node,
                      imp.b.create<pc::HardSigmoidOp>(
                          imp.loc(node), imp.tensor(node, 0),
                          imp.b.getF32FloatAttr(imp.floatAttr(node, "alpha", 0.2f)),
                          imp.b.getF32FloatAttr(imp.floatAttr(node, "beta", 0.5f))));
         },
         [](Importer &imp, const onnx::NodeProto &node) -> Folded {
           float alpha = imp.floatAttr(node, "alpha", 0.2f);
           float beta = imp.floatAttr(node, "beta", 0.5f);
           if (!imp.foldInputs(node)[0]->isFloat())
             imp.fail(node, "integer inputs are not supported");
           return one(mapElements(
               imp.foldInputs(node), [](I a) { return a[0]; },
               [&](F a) -> double { return hardSigmoid(a[0], alpha, beta); }));
         }});
  r.add("HardSwish", {importUnary<pc::HardSwishOp>, foldFloat([](F a) -> double {
                        return a[0] * hardSigmoid(a[0], 1.0f / 6.0f, 0.5f);
                      })});
  r.add("Clip", {importClip, foldClip, {1, 2}});

  // Variadic.
  r.add("Max", {[](Importer &imp, const onnx::NodeProto &node) {
                  imp.define(node, chain<pc::MaxOp>(imp, node));
                },
                foldVariadic([](I a) { return std::max(a[0], a[1]); },
                             [](F a) -> double { return std::max(a[0], a[1]); })});
  r.add("Min", {[](Importer &imp, const onnx::NodeProto &node) {
                  imp.define(node, chain<pc::MinOp>(imp, node));
                },
                foldVariadic([](I a) { return std::min(a[0], a[1]); },
                             [](F a) -> double { return std::min(a[0], a[1]); })});
  r.add("Sum", {[](Importer &imp, const onnx::NodeProto &node) {
                  imp.define(node, chain<pc::AddOp>(imp, node));
                },
                foldVariadic([](I a) { return a[0] + a[1]; },
                             [](F a) -> double { return a[0] + a[1]; })});
  r.add("Mean", {[](Importer &imp, const onnx::NodeProto &node) {
                   Value sum = chain<pc::AddOp>(imp, node);
                   imp.define(node,
                              imp.binary<pc::MulOp>(
                                  node, sum,
                                  imp.scalarConstant(imp.loc(node),
                                                     1.0f / node.input_size())));
                 },
                 foldVariadic([](I a) { return a[0] + a[1]; },
                              [](F a) -> double { return a[0] + a[1]; },
                              /*mean=*/true)});

  // Comparisons and logic: constants only (shape arithmetic, masks).
  auto compare = [&](StringRef name, auto cmp) {
    r.add(name, {nullptr,
                 foldElementwise([=](I a) -> int64_t { return cmp(a[0], a[1]); },
                                 [=](F a) -> double { return cmp(a[0], a[1]); },
                                 kBool)});
  };
  compare("Equal", [](auto x, auto y) { return x == y; });
  compare("Less", [](auto x, auto y) { return x < y; });
  compare("Greater", [](auto x, auto y) { return x > y; });
  compare("LessOrEqual", [](auto x, auto y) { return x <= y; });
  compare("GreaterOrEqual", [](auto x, auto y) { return x >= y; });
  auto logic = [&](StringRef name, auto fn) {
    r.add(name, {nullptr,
                 [=](Importer &imp, const onnx::NodeProto &node) -> Folded {
                   SmallVector<HostTensor> bools;
                   for (const HostTensor *t : imp.foldInputs(node))
                     bools.push_back(castTo(*t, kBool));
                   SmallVector<const HostTensor *> in;
                   for (const HostTensor &t : bools)
                     in.push_back(&t);
                   return one(mapElements(
                       in, [=](I a) -> int64_t { return fn(a); },
                       [](F) -> double { return 0; }, kBool));
                 }});
  };
  logic("Not", [](I a) { return !a[0]; });
  logic("And", [](I a) { return a[0] && a[1]; });
  logic("Or", [](I a) { return a[0] || a[1]; });
  logic("Xor", [](I a) { return (a[0] != 0) != (a[1] != 0); });

  r.add("Where", {importWhere, foldWhere, {0}});
  r.add("Cast", {importCast,
                 [](Importer &imp, const onnx::NodeProto &node) -> Folded {
                   int32_t to = castTarget(imp, node);
                   try {
                     return one(castTo(*imp.lookup(node, 0).constant, to));
                   } catch (const ImportError &e) {
                     imp.fail(node, e.what());
                   }
                 }});

  // Products and softmax.
  r.add("Gemm", {importGemm});
  r.add("MatMul", {importMatMul});
  r.add("Softmax", {[](Importer &imp, const onnx::NodeProto &node) {
                      importSoftmax(imp, node, false);
                    },
                    [](Importer &imp, const onnx::NodeProto &node) {
                      return foldSoftmax(imp, node, false);
                    }});
  r.add("LogSoftmax", {[](Importer &imp, const onnx::NodeProto &node) {
                         importSoftmax(imp, node, true);
                       },
                       [](Importer &imp, const onnx::NodeProto &node) {
                         return foldSoftmax(imp, node, true);
                       }});
}
