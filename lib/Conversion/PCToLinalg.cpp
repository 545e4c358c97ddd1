//===- PCToLinalg.cpp - pc tensor ops to linalg/tensor/arith/math ---------===//
#include "LinalgBuilders.h"
#include "pc/PCOps.h"
#include "pcc/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCTOLINALG
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;
using namespace mlir::pc;

namespace mlir::pc::lowering {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

Value f32(OpBuilder &b, Location loc, double v) {
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
}

Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value value) {
  Value e = b.create<tensor::EmptyOp>(loc, shape, value.getType());
  return b.create<linalg::FillOp>(loc, value, e).result();
}

static SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> v,
                                            size_t rank) {
  SmallVector<OpFoldResult> r;
  for (size_t i = 0; i < rank; ++i)
    r.push_back(b.getIndexAttr(v.empty() ? 1 : v[i]));
  return r;
}

Value insertSlice(OpBuilder &b, Location loc, Value src, Value dst,
                  ArrayRef<int64_t> offsets, ArrayRef<int64_t> strides) {
  ArrayRef<int64_t> sizes = tensorType(src).getShape();
  return b.create<tensor::InsertSliceOp>(
      loc, src, dst, indexAttrs(b, offsets, sizes.size()),
      indexAttrs(b, sizes, sizes.size()), indexAttrs(b, strides, sizes.size()));
}

bool windowsMayOverlap(ArrayRef<int64_t> offsetsA, ArrayRef<int64_t> sizesA,
                       ArrayRef<int64_t> stridesA, ArrayRef<int64_t> offsetsB,
                       ArrayRef<int64_t> sizesB, ArrayRef<int64_t> stridesB) {
  for (size_t i = 0; i < sizesA.size(); ++i) {
    int64_t endA = offsetsA[i] + (sizesA[i] - 1) * stridesA[i];
    int64_t endB = offsetsB[i] + (sizesB[i] - 1) * stridesB[i];
    if (endA < offsetsB[i] || endB < offsetsA[i])
      return false;
    if (stridesA[i] == stridesB[i] &&
        (offsetsA[i] - offsetsB[i]) % stridesA[i] != 0)
      return false;
  }
  return true;
}

Value extractSlice(OpBuilder &b, Location loc, Value src,
                   ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                   ArrayRef<int64_t> strides) {
  return b.create<tensor::ExtractSliceOp>(
      loc, src, indexAttrs(b, offsets, sizes.size()),
      indexAttrs(b, sizes, sizes.size()), indexAttrs(b, strides, sizes.size()));
}

Value copyThrough(OpBuilder &b, Location loc, Value input, AffineMap inputMap,
                  ArrayRef<int64_t> resultShape) {
  MLIRContext *ctx = b.getContext();
  auto type = RankedTensorType::get(resultShape, b.getF32Type());
  Value init = b.create<tensor::EmptyOp>(loc, resultShape, b.getF32Type());
  SmallVector<AffineMap> maps = {
      inputMap, AffineMap::getMultiDimIdentityMap(resultShape.size(), ctx)};
  return b
      .create<linalg::GenericOp>(
          loc, type, input, init, maps,
          SmallVector<utils::IteratorType>(resultShape.size(),
                                           utils::IteratorType::parallel),
          [](OpBuilder &nb, Location nl, ValueRange a) {
            nb.create<linalg::YieldOp>(nl, a[0]);
          })
      .getResult(0);
}

/// The indexing map that reads an operand of shape `shape` broadcast to a
/// result of rank `rank`: aligned on the right, size-1 dimensions pinned.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> resultShape) {
  unsigned rank = resultShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, d] : llvm::enumerate(shape)) {
    unsigned resultDim = rank - shape.size() + i;
    exprs.push_back(d == 1 && resultShape[resultDim] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(resultDim, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// An elementwise linalg.generic over `operands` broadcast to `resultType`.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange operands, ScalarFn fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(
        broadcastMap(ctx, tensorType(v).getShape(), resultType.getShape()));
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx));
  Value init = b.create<tensor::EmptyOp>(loc, resultType.getShape(),
                                         resultType.getElementType());
  SmallVector<utils::IteratorType> iters(resultType.getRank(),
                                         utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(
          loc, resultType, operands, init, maps, iters,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            nb.create<linalg::YieldOp>(nl, fn(nb, nl, args.drop_back()));
          })
      .getResult(0);
}

/// Reduces `input` over the dimensions where `keep` is false (a
/// projected-permutation output), starting from `initValue`.
Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<bool> keep,
             Combine combine, double initValue) {
  MLIRContext *ctx = b.getContext();
  auto inType = tensorType(input);
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (auto [i, d] : llvm::enumerate(inType.getShape())) {
    iters.push_back(keep[i] ? utils::IteratorType::parallel
                            : utils::IteratorType::reduction);
    if (keep[i]) {
      outShape.push_back(d);
      outExprs.push_back(getAffineDimExpr(i, ctx));
    }
  }
  auto outType = RankedTensorType::get(outShape, b.getF32Type());
  Value init = filled(b, loc, outShape, f32(b, loc, initValue));
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(inType.getRank(), ctx),
      AffineMap::get(inType.getRank(), 0, outExprs, ctx)};
  return b
      .create<linalg::GenericOp>(
          loc, outType, input, init, maps, iters,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value r =
                combine == Combine::Add
                    ? nb.create<arith::AddFOp>(nl, args[0], args[1]).getResult()
                    : nb.create<arith::MaximumFOp>(nl, args[0], args[1])
                          .getResult();
            nb.create<linalg::YieldOp>(nl, r);
          })
      .getResult(0);
}

/// Reshape between static shapes of equal size through a rank-1 tensor.
Value reshape(OpBuilder &b, Location loc, Value input,
              RankedTensorType resultType) {
  auto inType = tensorType(input);
  if (inType == resultType)
    return input;
  auto flatType =
      RankedTensorType::get({inType.getNumElements()}, b.getF32Type());
  auto allDims = [](int64_t rank) {
    ReassociationIndices r;
    for (int64_t i = 0; i < rank; ++i)
      r.push_back(i);
    return SmallVector<ReassociationIndices>{r};
  };
  Value flat = input;
  if (inType.getRank() == 0)
    flat = b.create<tensor::ExpandShapeOp>(loc, flatType, input,
                                           SmallVector<ReassociationIndices>{});
  else if (inType.getRank() != 1)
    flat = b.create<tensor::CollapseShapeOp>(loc, flatType, input,
                                             allDims(inType.getRank()));
  if (resultType.getRank() == 1)
    return flat;
  if (resultType.getRank() == 0)
    return b.create<tensor::CollapseShapeOp>(
        loc, resultType, flat, SmallVector<ReassociationIndices>{});
  return b.create<tensor::ExpandShapeOp>(loc, resultType, flat,
                                         allDims(resultType.getRank()));
}

/// Sum of `input` along `axis`, keeping it as a size-1 dimension so that
/// it broadcasts back against the input.
Value reduceAxisKeepDim(OpBuilder &b, Location loc, Value input, int64_t axis,
                        Combine combine, double initValue) {
  auto inType = tensorType(input);
  SmallVector<bool> keep(inType.getRank(), true);
  keep[axis] = false;
  Value r = reduce(b, loc, input, keep, combine, initValue);
  SmallVector<int64_t> shape(inType.getShape());
  shape[axis] = 1;
  return reshape(b, loc, r, RankedTensorType::get(shape, b.getF32Type()));
}

Value reduceKeepDims(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes, Combine combine,
                     double initValue) {
  auto inType = tensorType(input);
  SmallVector<bool> keep(inType.getRank(), true);
  SmallVector<int64_t> shape(inType.getShape());
  for (int64_t axis : axes) {
    keep[axis] = false;
    shape[axis] = 1;
  }
  Value r = reduce(b, loc, input, keep, combine, initValue);
  return reshape(b, loc, r, RankedTensorType::get(shape, b.getF32Type()));
}

Value sumAll(OpBuilder &b, Location loc, Value input) {
  SmallVector<bool> keep(tensorType(input).getRank(), false);
  return reduce(b, loc, input, keep, Combine::Add, 0.0);
}

/// exp(x - max) and its sum along `axis`, with max; the reductions keep
/// `axis` as a size-1 dimension so they broadcast back against x.
struct ShiftedExp {
  Value max, exp, sum;
};
ShiftedExp shiftedExp(OpBuilder &b, Location loc, Value x, int64_t axis) {
  Value max = reduceAxisKeepDim(b, loc, x, axis, Combine::Max,
                                -std::numeric_limits<float>::infinity());
  Value e = elementwise(b, loc, tensorType(x), {x, max},
                        [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                          Value d = nb.create<arith::SubFOp>(nl, a[0], a[1]);
                          return nb.create<math::ExpOp>(nl, d);
                        });
  Value sum = reduceAxisKeepDim(b, loc, e, axis, Combine::Add, 0.0);
  return {max, e, sum};
}

Value softmax(OpBuilder &b, Location loc, Value x, int64_t axis) {
  ShiftedExp s = shiftedExp(b, loc, x, axis);
  return elementwise(b, loc, tensorType(x), {s.exp, s.sum},
                     [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       return nb.create<arith::DivFOp>(nl, a[0], a[1]);
                     });
}

/// log(sum(exp(x))) along `axis` as its two parts, max and log(sum(exp(x -
/// max))), both kept as size-1 dimensions: adding them before subtracting
/// from x would lose precision for large x.
std::pair<Value, Value> logSumExpParts(OpBuilder &b, Location loc, Value x,
                                       int64_t axis) {
  ShiftedExp s = shiftedExp(b, loc, x, axis);
  Value logSum =
      elementwise(b, loc, tensorType(s.sum), {s.sum},
                  [](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                    return nb.create<math::LogOp>(nl, a[0]);
                  });
  return {s.max, logSum};
}

Value scaleBy(OpBuilder &b, Location loc, Value x, double factor) {
  return elementwise(b, loc, tensorType(x), {x},
                     [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       return nb.create<arith::MulFOp>(nl, a[0],
                                                       f32(nb, nl, factor));
                     });
}

Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool tl,
             bool tr) {
  int64_t m = tensorType(lhs).getShape()[tl ? 1 : 0];
  int64_t n = tensorType(rhs).getShape()[tr ? 0 : 1];
  auto type = RankedTensorType::get({m, n}, b.getF32Type());
  Value init = filled(b, loc, type.getShape(), f32(b, loc, 0.0));
  if (tl && tr) {
    // A^T B^T: materialise A^T, then use the B-transposed form.
    auto at = tensorType(lhs).getShape();
    Value dst = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{at[1], at[0]},
                                          b.getF32Type());
    lhs = b.create<linalg::TransposeOp>(loc, lhs, dst, ArrayRef<int64_t>{1, 0})
              .getResult()[0];
    tl = false;
  }
  if (tl)
    return b
        .create<linalg::MatmulTransposeAOp>(loc, type, ValueRange{lhs, rhs},
                                            init)
        .getResult(0);
  if (tr)
    return b
        .create<linalg::MatmulTransposeBOp>(loc, type, ValueRange{lhs, rhs},
                                            init)
        .getResult(0);
  return b.create<linalg::MatmulOp>(loc, type, ValueRange{lhs, rhs}, init)
      .getResult(0);
}

} // namespace mlir::pc::lowering

using namespace mlir::pc::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

Value lowerMatMul(MatMulOp op, MatMulOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
  auto outType = tensorType(op.getResult());
  if (outType.getRank() == 2)
    return matmul(b, loc, a.getLhs(), a.getRhs(), tl, tr);
  // Batched: the batch dimensions collapse into one.
  auto as3 = [&](Value v) {
    auto s = tensorType(v).getShape();
    int64_t batch = 1;
    for (int64_t d : s.drop_back(2))
      batch *= d;
    return reshape(b, loc, v,
                   RankedTensorType::get({batch, s[s.size() - 2], s.back()},
                                         b.getF32Type()));
  };
  Value lhs = as3(a.getLhs()), rhs = as3(a.getRhs());
  auto ls = tensorType(lhs).getShape(), rs = tensorType(rhs).getShape();
  if (tl && tr) {
    Value dst = b.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{ls[0], ls[2], ls[1]}, b.getF32Type());
    lhs =
        b.create<linalg::TransposeOp>(loc, lhs, dst, ArrayRef<int64_t>{0, 2, 1})
            .getResult()[0];
    tl = false;
  }
  int64_t m = tl ? ls[2] : ls[1], n = tr ? rs[1] : rs[2];
  auto type = RankedTensorType::get({ls[0], m, n}, b.getF32Type());
  Value init = filled(b, loc, type.getShape(), f32(b, loc, 0.0));
  Value r;
  if (tl)
    r = b.create<linalg::BatchMatmulTransposeAOp>(loc, type,
                                                  ValueRange{lhs, rhs}, init)
            .getResult(0);
  else if (tr)
    r = b.create<linalg::BatchMatmulTransposeBOp>(loc, type,
                                                  ValueRange{lhs, rhs}, init)
            .getResult(0);
  else
    r = b.create<linalg::BatchMatmulOp>(loc, type, ValueRange{lhs, rhs}, init)
            .getResult(0);
  return reshape(b, loc, r, outType);
}

Value lowerSumTo(SumToOp op, SumToOp::Adaptor a, OpBuilder &b) {
  auto inShape = tensorType(a.getInput()).getShape();
  auto outType = tensorType(op.getResult());
  auto outShape = outType.getShape();
  SmallVector<bool> keep(inShape.size());
  size_t lead = inShape.size() - outShape.size();
  for (size_t i = 0; i < inShape.size(); ++i)
    keep[i] = i >= lead && outShape[i - lead] == inShape[i];
  Value r = reduce(b, op.getLoc(), a.getInput(), keep, Combine::Add, 0.0);
  return reshape(b, op.getLoc(), r, outType);
}

/// What each sample's loss is multiplied by before the batch sum.
double batchWeight(LossReduction reduction, RankedTensorType output) {
  return reduction == LossReduction::sum ? 1.0 : 1.0 / output.getShape()[0];
}

Value lowerLoss(LossOp op, LossOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  Value y = a.getOutput(), t = a.getTarget();
  auto type = tensorType(y);
  double invBatch = batchWeight(op.getReduction(), type);
  Value perElement;
  if (op.getKind() == LossKind::mse) {
    perElement =
        elementwise(b, loc, type, {y, t},
                    [](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                      Value d = nb.create<arith::SubFOp>(nl, v[0], v[1]);
                      return nb.create<arith::MulFOp>(nl, d, d);
                    });
    invBatch *= 0.5;
  } else {
    int64_t axis = type.getRank() - 1;
    auto [max, logSum] = logSumExpParts(b, loc, y, axis);
    perElement =
        elementwise(b, loc, type, {t, max, logSum, y},
                    [](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                      Value shifted = nb.create<arith::SubFOp>(nl, v[1], v[3]);
                      Value d = nb.create<arith::AddFOp>(nl, shifted, v[2]);
                      return nb.create<arith::MulFOp>(nl, v[0], d);
                    });
  }
  return scaleBy(b, loc, sumAll(b, loc, perElement), invBatch);
}

Value lowerLossError(LossErrorOp op, LossErrorOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  Value y = a.getOutput(), t = a.getTarget();
  auto type = tensorType(y);
  double invBatch = batchWeight(op.getReduction(), type);
  if (op.getKind() == LossKind::mse)
    return elementwise(b, loc, type, {t, y},
                       [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                         Value d = nb.create<arith::SubFOp>(nl, v[0], v[1]);
                         return nb.create<arith::MulFOp>(nl, d,
                                                         f32(nb, nl, invBatch));
                       });
  int64_t axis = type.getRank() - 1;
  Value p = softmax(b, loc, y, axis);
  Value mass = reduceAxisKeepDim(b, loc, t, axis, Combine::Add, 0.0);
  return elementwise(b, loc, type, {t, p, mass},
                     [&](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                       Value pm = nb.create<arith::MulFOp>(nl, v[1], v[2]);
                       Value d = nb.create<arith::SubFOp>(nl, v[0], pm);
                       return nb.create<arith::MulFOp>(nl, d,
                                                       f32(nb, nl, invBatch));
                     });
}

void populatePatterns(RewritePatternSet &patterns) {
  using V = ValueRange;
  using B = OpBuilder;
  using L = Location;
  addElementwise<AddOp>(patterns, [](AddOp, B &b, L l, V a) -> Value {
    return b.create<arith::AddFOp>(l, a[0], a[1]);
  });
  addElementwise<SubOp>(patterns, [](SubOp, B &b, L l, V a) -> Value {
    return b.create<arith::SubFOp>(l, a[0], a[1]);
  });
  addElementwise<ErrorOp>(patterns, [](ErrorOp, B &b, L l, V a) -> Value {
    return b.create<arith::SubFOp>(l, a[0], a[1]);
  });
  addElementwise<MulOp>(patterns, [](MulOp, B &b, L l, V a) -> Value {
    return b.create<arith::MulFOp>(l, a[0], a[1]);
  });
  addElementwise<DivOp>(patterns, [](DivOp, B &b, L l, V a) -> Value {
    return b.create<arith::DivFOp>(l, a[0], a[1]);
  });
  addElementwise<NegOp>(patterns, [](NegOp, B &b, L l, V a) -> Value {
    return b.create<arith::NegFOp>(l, a[0]);
  });
  addElementwise<ReluOp>(patterns, [](ReluOp, B &b, L l, V a) -> Value {
    return b.create<arith::MaximumFOp>(l, a[0], f32(b, l, 0.0));
  });
  addElementwise<LeakyReluOp>(
      patterns, [](LeakyReluOp op, B &b, L l, V a) -> Value {
        Value pos = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, a[0],
                                            f32(b, l, 0.0));
        Value neg = b.create<arith::MulFOp>(
            l, a[0], f32(b, l, op.getAlpha().convertToFloat()));
        return b.create<arith::SelectOp>(l, pos, a[0], neg);
      });
  addElementwise<SigmoidOp>(patterns, [](SigmoidOp, B &b, L l, V a) -> Value {
    Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, a[0]));
    Value d = b.create<arith::AddFOp>(l, f32(b, l, 1.0), e);
    return b.create<arith::DivFOp>(l, f32(b, l, 1.0), d);
  });
  addElementwise<TanhOp>(patterns, [](TanhOp, B &b, L l, V a) -> Value {
    return b.create<math::TanhOp>(l, a[0]);
  });
  addElementwise<ExpOp>(patterns, [](ExpOp, B &b, L l, V a) -> Value {
    return b.create<math::ExpOp>(l, a[0]);
  });
  addElementwise<LogOp>(patterns, [](LogOp, B &b, L l, V a) -> Value {
    return b.create<math::LogOp>(l, a[0]);
  });
  addElementwise<MovingAverageOp>(
      patterns, [](MovingAverageOp op, B &b, L l, V a) -> Value {
        float beta = op.getBeta().convertToFloat();
        // As the runtime's Adam: beta * m + ((1 - beta) * g) * g.
        Value sample = b.create<arith::MulFOp>(l, f32(b, l, 1.0f - beta), a[1]);
        if (op.getSquared())
          sample = b.create<arith::MulFOp>(l, sample, a[1]);
        return b.create<arith::AddFOp>(
            l, b.create<arith::MulFOp>(l, f32(b, l, beta), a[0]), sample);
      });
  addElementwise<AdamUpdateOp>(
      patterns, [](AdamUpdateOp op, B &b, L l, V a) -> Value {
        // param - (step_size * m) / (sqrt(v) / correction + epsilon)
        Value root = b.create<math::SqrtOp>(l, a[2]);
        Value denominator = b.create<arith::AddFOp>(
            l, b.create<arith::DivFOp>(l, root, a[4]),
            f32(b, l, op.getEpsilon().convertToFloat()));
        Value step = b.create<arith::DivFOp>(
            l, b.create<arith::MulFOp>(l, a[3], a[1]), denominator);
        return b.create<arith::SubFOp>(l, a[0], step);
      });
  addElementwise<ReluGradOp>(patterns, [](ReluGradOp, B &b, L l, V a) -> Value {
    Value pos = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, a[1],
                                        f32(b, l, 0.0));
    return b.create<arith::SelectOp>(l, pos, a[0], f32(b, l, 0.0));
  });
  addElementwise<LeakyReluGradOp>(
      patterns, [](LeakyReluGradOp op, B &b, L l, V a) -> Value {
        Value pos = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, a[1],
                                            f32(b, l, 0.0));
        Value neg = b.create<arith::MulFOp>(
            l, a[0], f32(b, l, op.getAlpha().convertToFloat()));
        return b.create<arith::SelectOp>(l, pos, a[0], neg);
      });
  addElementwise<SigmoidGradOp>(
      patterns, [](SigmoidGradOp, B &b, L l, V a) -> Value {
        Value oneMinus = b.create<arith::SubFOp>(l, f32(b, l, 1.0), a[1]);
        Value d = b.create<arith::MulFOp>(l, a[1], oneMinus);
        return b.create<arith::MulFOp>(l, a[0], d);
      });
  addElementwise<TanhGradOp>(patterns, [](TanhGradOp, B &b, L l, V a) -> Value {
    Value sq = b.create<arith::MulFOp>(l, a[1], a[1]);
    Value d = b.create<arith::SubFOp>(l, f32(b, l, 1.0), sq);
    return b.create<arith::MulFOp>(l, a[0], d);
  });

  addLowering<SoftmaxOp>(
      patterns, [](SoftmaxOp op, SoftmaxOp::Adaptor a, B &b) {
        return softmax(b, op.getLoc(), a.getInput(), op.getAxis());
      });
  addLowering<LogSoftmaxOp>(
      patterns, [](LogSoftmaxOp op, LogSoftmaxOp::Adaptor a, B &b) {
        auto [max, logSum] =
            logSumExpParts(b, op.getLoc(), a.getInput(), op.getAxis());
        return elementwise(b, op.getLoc(), tensorType(a.getInput()),
                           {a.getInput(), max, logSum},
                           [](B &nb, L nl, V v) -> Value {
                             Value d = nb.create<arith::SubFOp>(nl, v[0], v[1]);
                             return nb.create<arith::SubFOp>(nl, d, v[2]);
                           });
      });
  addLowering<SoftmaxGradOp>(patterns, [](SoftmaxGradOp op,
                                          SoftmaxGradOp::Adaptor a, B &b) {
    L loc = op.getLoc();
    auto type = tensorType(a.getGrad());
    Value gy = elementwise(b, loc, type, {a.getGrad(), a.getPrimal()},
                           [](B &nb, L nl, V v) -> Value {
                             return nb.create<arith::MulFOp>(nl, v[0], v[1]);
                           });
    Value s = reduceAxisKeepDim(b, loc, gy, op.getAxis(), Combine::Add, 0.0);
    return elementwise(b, loc, type, {a.getGrad(), a.getPrimal(), s},
                       [](B &nb, L nl, V v) -> Value {
                         Value d = nb.create<arith::SubFOp>(nl, v[0], v[2]);
                         return nb.create<arith::MulFOp>(nl, v[1], d);
                       });
  });
  addLowering<LogSoftmaxGradOp>(
      patterns, [](LogSoftmaxGradOp op, LogSoftmaxGradOp::Adaptor a, B &b) {
        L loc = op.getLoc();
        auto type = tensorType(a.getGrad());
        Value s = reduceAxisKeepDim(b, loc, a.getGrad(), op.getAxis(),
                                    Combine::Add, 0.0);
        return elementwise(b, loc, type, {a.getGrad(), a.getPrimal(), s},
                           [](B &nb, L nl, V v) -> Value {
                             Value e = nb.create<math::ExpOp>(nl, v[1]);
                             Value p = nb.create<arith::MulFOp>(nl, e, v[2]);
                             return nb.create<arith::SubFOp>(nl, v[0], p);
                           });
      });
  addLowering<MatMulOp>(patterns, lowerMatMul);
  addLowering<ReshapeOp>(patterns, [](ReshapeOp op, ReshapeOp::Adaptor a,
                                      B &b) {
    return reshape(b, op.getLoc(), a.getInput(), tensorType(op.getResult()));
  });
  addLowering<TransposeOp>(patterns, [](TransposeOp op, TransposeOp::Adaptor a,
                                        B &b) {
    auto type = tensorType(op.getResult());
    Value dst =
        b.create<tensor::EmptyOp>(op.getLoc(), type.getShape(), b.getF32Type());
    return b
        .create<linalg::TransposeOp>(op.getLoc(), a.getInput(), dst,
                                     op.getPerm())
        .getResult()[0];
  });
  addLowering<SumToOp>(patterns, lowerSumTo);
  populateUnaryPatterns(patterns);
  populateShapePatterns(patterns);
  populateWindowPatterns(patterns);
  populateNormalizePatterns(patterns);
  populateResizePatterns(patterns);
  addLowering<LossOp>(patterns, lowerLoss);
  addLowering<LossErrorOp>(patterns, lowerLossError);
  addLowering<HalfSqNormOp>(patterns, [](HalfSqNormOp op,
                                         HalfSqNormOp::Adaptor a, B &b) {
    L loc = op.getLoc();
    Value sq = elementwise(b, loc, tensorType(a.getInput()), {a.getInput()},
                           [](B &nb, L nl, V v) -> Value {
                             return nb.create<arith::MulFOp>(nl, v[0], v[0]);
                           });
    return scaleBy(b, loc, sumAll(b, loc, sq), 0.5);
  });
}

struct PCToLinalgPass : mlir::pc::impl::PCToLinalgBase<PCToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<PCDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           func::FuncDialect, scf::SCFDialect>();
    RewritePatternSet patterns(ctx);
    populatePatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
