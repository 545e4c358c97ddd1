//===- LowerUnary.cpp - elementwise pc ops added for CNNs and RNNs --------===//
#include "LinalgBuilders.h"
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::pc;

namespace {
using V = ValueRange;
using B = OpBuilder;
using L = Location;

Value select(B &b, L l, arith::CmpFPredicate pred, Value x, double bound,
             Value ifTrue, Value ifFalse) {
  Value c = b.create<arith::CmpFOp>(l, pred, x, lowering::f32(b, l, bound));
  return b.create<arith::SelectOp>(l, c, ifTrue, ifFalse);
}

/// x^e: repeated multiplication for small integral exponents (exact and
/// defined for negative x), powf otherwise.
Value power(B &b, L l, Value x, double e) {
  if (e == std::trunc(e) && std::fabs(e) <= 16) {
    int64_t n = std::llabs((int64_t)e);
    Value r = lowering::f32(b, l, 1.0), base = x;
    for (; n; n >>= 1) { // square-and-multiply
      if (n & 1)
        r = b.create<arith::MulFOp>(l, r, base);
      if (n > 1)
        base = b.create<arith::MulFOp>(l, base, base);
    }
    return e < 0 ? b.create<arith::DivFOp>(l, lowering::f32(b, l, 1.0), r)
                       .getResult()
                 : r;
  }
  if (e == 0.5)
    return b.create<math::SqrtOp>(l, x);
  return b.create<math::PowFOp>(l, x, lowering::f32(b, l, e));
}
/// max(0, min(1, alpha * x + beta)).
Value hardSigmoid(B &b, L l, Value x, double alpha, double beta) {
  Value t = b.create<arith::AddFOp>(
      l, b.create<arith::MulFOp>(l, x, lowering::f32(b, l, alpha)),
      lowering::f32(b, l, beta));
  Value lo = b.create<arith::MaximumFOp>(l, t, lowering::f32(b, l, 0.0));
  return b.create<arith::MinimumFOp>(l, lo, lowering::f32(b, l, 1.0));
}
} // namespace

void mlir::pc::lowering::populateUnaryPatterns(RewritePatternSet &patterns) {
  addElementwise<AbsOp>(patterns, [](AbsOp, B &b, L l, V a) -> Value {
    return b.create<math::AbsFOp>(l, a[0]);
  });
  addElementwise<SqrtOp>(patterns, [](SqrtOp, B &b, L l, V a) -> Value {
    return b.create<math::SqrtOp>(l, a[0]);
  });
  addElementwise<SoftplusOp>(patterns, [](SoftplusOp, B &b, L l, V a) -> Value {
    // max(x, 0) + log1p(exp(-|x|)) does not overflow for large |x|.
    Value pos = b.create<arith::MaximumFOp>(l, a[0], f32(b, l, 0.0));
    Value negAbs = b.create<arith::NegFOp>(l, b.create<math::AbsFOp>(l, a[0]));
    Value e = b.create<math::ExpOp>(l, negAbs);
    return b.create<arith::AddFOp>(l, pos, b.create<math::Log1pOp>(l, e));
  });
  addElementwise<EluOp>(patterns, [](EluOp op, B &b, L l, V a) -> Value {
    Value em1 = b.create<arith::SubFOp>(l, b.create<math::ExpOp>(l, a[0]),
                                        f32(b, l, 1.0));
    Value neg = b.create<arith::MulFOp>(
        l, em1, f32(b, l, op.getAlpha().convertToFloat()));
    return select(b, l, arith::CmpFPredicate::OGT, a[0], 0.0, a[0], neg);
  });
  addElementwise<ClipOp>(patterns, [](ClipOp op, B &b, L l, V a) -> Value {
    Value lo = b.create<arith::MaximumFOp>(
        l, a[0], f32(b, l, op.getMin().convertToFloat()));
    return b.create<arith::MinimumFOp>(l, lo,
                                       f32(b, l, op.getMax().convertToFloat()));
  });
  addElementwise<PowOp>(patterns, [](PowOp op, B &b, L l, V a) -> Value {
    return power(b, l, a[0], op.getExponent().convertToFloat());
  });

  addElementwise<ErfOp>(patterns, [](ErfOp, B &b, L l, V a) -> Value {
    return b.create<math::ErfOp>(l, a[0]);
  });
  addElementwise<HardSigmoidOp>(patterns, [](HardSigmoidOp op, B &b, L l,
                                             V a) -> Value {
    return hardSigmoid(b, l, a[0], op.getAlpha().convertToFloat(),
                       op.getBeta().convertToFloat());
  });
  addElementwise<HardSwishOp>(patterns, [](HardSwishOp, B &b, L l, V a) -> Value {
    return b.create<arith::MulFOp>(l, a[0],
                                   hardSigmoid(b, l, a[0], 1.0 / 6.0, 0.5));
  });
  addElementwise<MaxOp>(patterns, [](MaxOp, B &b, L l, V a) -> Value {
    return b.create<arith::MaximumFOp>(l, a[0], a[1]);
  });
  addElementwise<MinOp>(patterns, [](MinOp, B &b, L l, V a) -> Value {
    return b.create<arith::MinimumFOp>(l, a[0], a[1]);
  });

  // Cotangent ops: a[0] is the cotangent, a[1] the primal.
  addElementwise<ErfGradOp>(patterns, [](ErfGradOp, B &b, L l, V a) -> Value {
    // d erf(x) = 2/sqrt(pi) exp(-x^2)
    Value sq = b.create<arith::MulFOp>(l, a[1], a[1]);
    Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, sq));
    Value d = b.create<arith::MulFOp>(l, e, f32(b, l, 1.1283791670955126));
    return b.create<arith::MulFOp>(l, a[0], d);
  });
  addElementwise<HardSigmoidGradOp>(
      patterns, [](HardSigmoidGradOp op, B &b, L l, V a) -> Value {
        double alpha = op.getAlpha().convertToFloat();
        Value t = b.create<arith::AddFOp>(
            l, b.create<arith::MulFOp>(l, a[1], f32(b, l, alpha)),
            f32(b, l, op.getBeta().convertToFloat()));
        Value zero = f32(b, l, 0.0);
        Value g = b.create<arith::MulFOp>(l, a[0], f32(b, l, alpha));
        Value below = select(b, l, arith::CmpFPredicate::OLT, t, 1.0, g, zero);
        return select(b, l, arith::CmpFPredicate::OGT, t, 0.0, below, zero);
      });
  addElementwise<HardSwishGradOp>(
      patterns, [](HardSwishGradOp, B &b, L l, V a) -> Value {
        // As PyTorch: 0 below -3, g * (x/3 + 1/2) up to 3, g above.
        Value mid = b.create<arith::MulFOp>(
            l, a[0],
            b.create<arith::AddFOp>(
                l, b.create<arith::MulFOp>(l, a[1], f32(b, l, 1.0 / 3.0)),
                f32(b, l, 0.5)));
        Value upper = select(b, l, arith::CmpFPredicate::OLE, a[1], 3.0, mid, a[0]);
        return select(b, l, arith::CmpFPredicate::OLT, a[1], -3.0,
                      f32(b, l, 0.0), upper);
      });
  addElementwise<ExtremumGradOp>(
      patterns, [](ExtremumGradOp op, B &b, L l, V a) -> Value {
        // a: grad, self, other.
        auto wins = op.getIsMin() ? arith::CmpFPredicate::OLT
                                  : arith::CmpFPredicate::OGT;
        Value strict = b.create<arith::CmpFOp>(l, wins, a[1], a[2]);
        Value tie = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, a[1],
                                            a[2]);
        Value half = b.create<arith::MulFOp>(l, a[0], f32(b, l, 0.5));
        Value onTie = b.create<arith::SelectOp>(l, tie, half, f32(b, l, 0.0));
        return b.create<arith::SelectOp>(l, strict, a[0], onTie);
      });
  addLowering<WhereOp>(patterns, [](WhereOp op, WhereOp::Adaptor a, B &b) {
    L loc = op.getLoc();
    Value cond = b.create<arith::ConstantOp>(
        loc, cast<TypedAttr>(op.getCondition()));
    return elementwise(b, loc, lowering::tensorType(op.getResult()),
                       {cond, a.getLhs(), a.getRhs()},
                       [](B &nb, L l, V v) -> Value {
                         return nb.create<arith::SelectOp>(l, v[0], v[1], v[2]);
                       });
  });
  addElementwise<AbsGradOp>(patterns, [](AbsGradOp, B &b, L l, V a) -> Value {
    Value zero = f32(b, l, 0.0);
    Value neg = b.create<arith::NegFOp>(l, a[0]);
    Value lt = select(b, l, arith::CmpFPredicate::OLT, a[1], 0.0, neg, zero);
    return select(b, l, arith::CmpFPredicate::OGT, a[1], 0.0, a[0], lt);
  });
  addElementwise<SqrtGradOp>(patterns, [](SqrtGradOp, B &b, L l, V a) -> Value {
    Value twice = b.create<arith::MulFOp>(l, a[1], f32(b, l, 2.0));
    return b.create<arith::DivFOp>(l, a[0], twice);
  });
  addElementwise<EluGradOp>(patterns, [](EluGradOp op, B &b, L l, V a) -> Value {
    Value slope = b.create<arith::MulFOp>(
        l, b.create<math::ExpOp>(l, a[1]),
        f32(b, l, op.getAlpha().convertToFloat()));
    Value neg = b.create<arith::MulFOp>(l, a[0], slope);
    return select(b, l, arith::CmpFPredicate::OGT, a[1], 0.0, a[0], neg);
  });
  addElementwise<ClipGradOp>(patterns, [](ClipGradOp op, B &b, L l, V a) -> Value {
    Value zero = f32(b, l, 0.0);
    Value inHigh = select(b, l, arith::CmpFPredicate::OLT, a[1],
                          op.getMax().convertToFloat(), a[0], zero);
    return select(b, l, arith::CmpFPredicate::OGT, a[1],
                  op.getMin().convertToFloat(), inHigh, zero);
  });
  addElementwise<PowGradOp>(patterns, [](PowGradOp op, B &b, L l, V a) -> Value {
    double e = op.getExponent().convertToFloat();
    if (e == 0.0)
      return f32(b, l, 0.0);
    Value d = b.create<arith::MulFOp>(l, power(b, l, a[1], e - 1.0),
                                      f32(b, l, e));
    return b.create<arith::MulFOp>(l, a[0], d);
  });
}
