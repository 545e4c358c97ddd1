//===- LowerNormalize.cpp - normalisation and max reductions to linalg ----===//
#include "LinalgBuilders.h"
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;
using namespace mlir::pc;
using namespace mlir::pc::lowering;

namespace {
using V = ValueRange;
using B = OpBuilder;
using L = Location;

/// x standardised over `axes`: the centred input and 1/sqrt(var + eps),
/// the latter with the axes kept as size-1 dimensions.
struct Standardized {
  Value centred, invStd;
};

Standardized standardize(B &b, L loc, Value x, ArrayRef<int64_t> axes,
                         float eps) {
  auto type = tensorType(x);
  int64_t count = 1;
  for (int64_t a : axes)
    count *= type.getShape()[a];
  Value mean = scaleBy(b, loc, reduceKeepDims(b, loc, x, axes, Combine::Add, 0),
                       1.0 / count);
  Value centred = elementwise(b, loc, type, {x, mean}, [](B &nb, L l, V a) {
    return nb.create<arith::SubFOp>(l, a[0], a[1]).getResult();
  });
  Value sq = elementwise(b, loc, type, {centred}, [](B &nb, L l, V a) {
    return nb.create<arith::MulFOp>(l, a[0], a[0]).getResult();
  });
  Value sumSq = reduceKeepDims(b, loc, sq, axes, Combine::Add, 0);
  Value inv = elementwise(
      b, loc, tensorType(sumSq), {sumSq}, [&](B &nb, L l, V a) -> Value {
        Value var = nb.create<arith::MulFOp>(l, a[0], f32(nb, l, 1.0 / count));
        Value v = nb.create<arith::AddFOp>(l, var, f32(nb, l, eps));
        return nb.create<math::RsqrtOp>(l, v);
      });
  return {centred, inv};
}

/// (x - mean) * invStd * scale + bias, scale and bias broadcast to x.
Value affineStandardized(B &b, L loc, Value x, ArrayRef<int64_t> axes,
                         float eps, Value scale, Value bias) {
  Standardized s = standardize(b, loc, x, axes, eps);
  return elementwise(b, loc, tensorType(x), {s.centred, s.invStd, scale, bias},
                     [](B &nb, L l, V a) -> Value {
                       Value xhat = nb.create<arith::MulFOp>(l, a[0], a[1]);
                       Value y = nb.create<arith::MulFOp>(l, xhat, a[2]);
                       return nb.create<arith::AddFOp>(l, y, a[3]);
                     });
}

SmallVector<int64_t> batchAxes(int64_t rank) {
  SmallVector<int64_t> axes = {0};
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  return axes;
}

Value perChannel(B &b, L loc, Value v, int64_t rank) {
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = tensorType(v).getShape()[0];
  return reshape(b, loc, v, RankedTensorType::get(shape, b.getF32Type()));
}

Value lowerNormalizeGrad(NormalizeGradOp op, NormalizeGradOp::Adaptor a, B &b) {
  // dx = invStd * (g - mean(g) - xhat * mean(g * xhat)).
  L loc = op.getLoc();
  Value g = a.getGrad();
  auto type = tensorType(g);
  ArrayRef<int64_t> axes = op.getAxes();
  int64_t count = 1;
  for (int64_t ax : axes)
    count *= type.getShape()[ax];
  Standardized s =
      standardize(b, loc, a.getInput(), axes, op.getEpsilon().convertToFloat());
  Value xhat = elementwise(b, loc, type, {s.centred, s.invStd},
                           [](B &nb, L l, V v) -> Value {
                             return nb.create<arith::MulFOp>(l, v[0], v[1]);
                           });
  Value gx = elementwise(b, loc, type, {g, xhat}, [](B &nb, L l, V v) -> Value {
    return nb.create<arith::MulFOp>(l, v[0], v[1]);
  });
  Value sumG = reduceKeepDims(b, loc, g, axes, Combine::Add, 0);
  Value sumGx = reduceKeepDims(b, loc, gx, axes, Combine::Add, 0);
  double inv = 1.0 / count;
  return elementwise(b, loc, type, {g, xhat, s.invStd, sumG, sumGx},
                     [&](B &nb, L l, V v) -> Value {
                       Value mg = nb.create<arith::MulFOp>(l, v[3], f32(nb, l, inv));
                       Value mgx = nb.create<arith::MulFOp>(l, v[4], f32(nb, l, inv));
                       Value d = nb.create<arith::SubFOp>(l, v[0], mg);
                       d = nb.create<arith::SubFOp>(
                           l, d, nb.create<arith::MulFOp>(l, v[1], mgx));
                       return nb.create<arith::MulFOp>(l, d, v[2]);
                     });
}

Value lowerReduceMaxGrad(ReduceMaxGradOp op, ReduceMaxGradOp::Adaptor a, B &b) {
  // The cotangent shared by the elements equal to their maximum.
  L loc = op.getLoc();
  Value x = a.getInput();
  auto type = tensorType(x);
  Value hit = elementwise(b, loc, type, {x, a.getMax()}, [](B &nb, L l, V v) {
    Value eq = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, v[0], v[1]);
    return nb.create<arith::SelectOp>(l, eq, f32(nb, l, 1.0), f32(nb, l, 0.0))
        .getResult();
  });
  Value count = reduceKeepDims(b, loc, hit, op.getAxes(), Combine::Add, 0);
  return elementwise(b, loc, type, {a.getGrad(), hit, count},
                     [](B &nb, L l, V v) -> Value {
                       Value share = nb.create<arith::DivFOp>(l, v[1], v[2]);
                       return nb.create<arith::MulFOp>(l, v[0], share);
                     });
}

} // namespace

void mlir::pc::lowering::populateNormalizePatterns(RewritePatternSet &patterns) {
  addLowering<NormalizeOp>(patterns, [](NormalizeOp op, NormalizeOp::Adaptor a,
                                        B &b) {
    return affineStandardized(b, op.getLoc(), a.getInput(), op.getAxes(),
                              op.getEpsilon().convertToFloat(), a.getScale(),
                              a.getBias());
  });
  addLowering<NormalizeGradOp>(patterns, lowerNormalizeGrad);
  addLowering<BatchNormOp>(patterns, [](BatchNormOp op, BatchNormOp::Adaptor a,
                                        B &b) {
    // The training form; prediction uses buildInferenceForm before lowering.
    L loc = op.getLoc();
    int64_t rank = tensorType(a.getInput()).getRank();
    return affineStandardized(b, loc, a.getInput(), batchAxes(rank),
                              op.getEpsilon().convertToFloat(),
                              perChannel(b, loc, a.getScale(), rank),
                              perChannel(b, loc, a.getBias(), rank));
  });
  addLowering<ReduceMaxOp>(patterns, [](ReduceMaxOp op, ReduceMaxOp::Adaptor a,
                                        B &b) {
    return reduceKeepDims(b, op.getLoc(), a.getInput(), op.getAxes(),
                          Combine::Max,
                          -std::numeric_limits<float>::infinity());
  });
  addLowering<ReduceMaxGradOp>(patterns, lowerReduceMaxGrad);
}
