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

  // Cotangent ops: a[0] is the cotangent, a[1] the primal.
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
    Value inHigh = select(b, l, arith::CmpFPredicate::OLE, a[1],
                          op.getMax().convertToFloat(), a[0], zero);
    return select(b, l, arith::CmpFPredicate::OGE, a[1],
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
