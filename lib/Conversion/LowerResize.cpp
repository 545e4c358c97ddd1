//===- LowerResize.cpp - resize and its adjoint to linalg -----------------===//
//
// A resize is separable: every resized dimension is a linear map from the
// input positions to the output positions, given by a constant [out, in]
// matrix of interpolation weights (one 1 per row for nearest, two weights
// for linear). The forward resize applies the matrices, the adjoint their
// transposes.
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::pc;
using namespace mlir::pc::lowering;

namespace {

/// The input coordinate that output coordinate `o` maps to (ONNX Resize).
double sourceCoordinate(ResizeCoordinates mode, int64_t o, int64_t in,
                        int64_t out, double scale) {
  switch (mode) {
  case ResizeCoordinates::half_pixel:
    return (o + 0.5) / scale - 0.5;
  case ResizeCoordinates::asymmetric:
    return o / scale;
  case ResizeCoordinates::align_corners: {
    // ONNX maps onto the unrounded resized length, in * scale.
    double length = in * scale;
    return length == 1 ? 0.0 : o * double(in - 1) / (length - 1);
  }
  case ResizeCoordinates::pytorch_half_pixel:
    return out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  case ResizeCoordinates::tf_half_pixel_for_nn:
    return (o + 0.5) / scale;
  }
  llvm_unreachable("unknown coordinate mode");
}

int64_t roundNearest(ResizeRounding mode, double x) {
  switch (mode) {
  case ResizeRounding::floor:
    return (int64_t)std::floor(x);
  case ResizeRounding::ceil:
    return (int64_t)std::ceil(x);
  case ResizeRounding::round_prefer_floor:
    return x - std::floor(x) == 0.5 ? (int64_t)std::floor(x)
                                    : (int64_t)std::round(x);
  case ResizeRounding::round_prefer_ceil:
    return x - std::floor(x) == 0.5 ? (int64_t)std::ceil(x)
                                    : (int64_t)std::round(x);
  }
  llvm_unreachable("unknown rounding mode");
}

/// The [out, in] interpolation matrix of one dimension, row-major.
std::vector<float> resizeMatrix(ResizeMode mode, ResizeCoordinates coords,
                                ResizeRounding rounding, double scale,
                                int64_t in, int64_t out) {
  std::vector<float> m(out * in, 0.0f);
  auto clampIndex = [&](int64_t i) {
    return std::clamp<int64_t>(i, 0, in - 1);
  };
  for (int64_t o = 0; o < out; ++o) {
    double x = sourceCoordinate(coords, o, in, out, scale);
    if (mode == ResizeMode::nearest) {
      m[o * in + clampIndex(roundNearest(rounding, x))] = 1.0f;
      continue;
    }
    double lo = std::floor(x), frac = x - lo;
    m[o * in + clampIndex((int64_t)lo)] += 1.0 - frac;
    m[o * in + clampIndex((int64_t)lo + 1)] += frac;
  }
  return m;
}

/// x with dimension `axis` mapped through `matrix` ([outSize, size of axis]):
/// result[..., o, ...] = sum_i matrix[o, i] * x[..., i, ...].
Value applyAlongAxis(OpBuilder &b, Location loc, Value x, int64_t axis,
                     ArrayRef<float> matrix, int64_t outSize) {
  MLIRContext *ctx = b.getContext();
  auto shape = tensorType(x).getShape();
  int64_t rank = shape.size(), inSize = shape[axis];
  SmallVector<int64_t> outShape(shape);
  outShape[axis] = outSize;
  auto matType = RankedTensorType::get({outSize, inSize}, b.getF32Type());
  Value mat = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(matType, matrix));
  // Iteration space: the result dimensions, then the reduced input index.
  SmallVector<AffineExpr> xExprs, outExprs;
  for (int64_t d = 0; d < rank; ++d) {
    xExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, xExprs, ctx),
      AffineMap::get(rank + 1, 0,
                     {getAffineDimExpr(axis, ctx), getAffineDimExpr(rank, ctx)},
                     ctx),
      AffineMap::get(rank + 1, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  Value init = filled(b, loc, outShape, f32(b, loc, 0.0));
  return b
      .create<linalg::GenericOp>(
          loc, init.getType(), ValueRange{x, mat}, init, maps, iters,
          [](OpBuilder &nb, Location nl, ValueRange a) {
            Value p = nb.create<arith::MulFOp>(nl, a[0], a[1]);
            nb.create<linalg::YieldOp>(
                nl, nb.create<arith::AddFOp>(nl, a[2], p).getResult());
          })
      .getResult(0);
}

/// Resizes `x` to `outShape` (forward) or applies the transposed maps from
/// the resized `x` back to `outShape` (adjoint).
template <typename OpTy>
Value resize(OpBuilder &b, OpTy op, Value x, ArrayRef<int64_t> small,
             ArrayRef<int64_t> large, bool adjoint) {
  Location loc = op.getLoc();
  ArrayRef<float> scales = op.getScales();
  for (size_t d = 0; d < small.size(); ++d) {
    if (scales[d] == 1.0f && small[d] == large[d])
      continue;
    std::vector<float> m =
        resizeMatrix(op.getMode(), op.getCoordinates(), op.getRounding(),
                     scales[d], small[d], large[d]);
    if (!adjoint) {
      x = applyAlongAxis(b, loc, x, d, m, large[d]);
      continue;
    }
    std::vector<float> t(m.size());
    for (int64_t o = 0; o < large[d]; ++o)
      for (int64_t i = 0; i < small[d]; ++i)
        t[i * large[d] + o] = m[o * small[d] + i];
    x = applyAlongAxis(b, loc, x, d, t, small[d]);
  }
  return x;
}

} // namespace

void mlir::pc::lowering::populateResizePatterns(RewritePatternSet &patterns) {
  addLowering<ResizeOp>(patterns, [](ResizeOp op, ResizeOp::Adaptor a,
                                     OpBuilder &b) {
    return resize(b, op, a.getInput(), tensorType(op.getInput()).getShape(),
                  tensorType(op.getResult()).getShape(), /*adjoint=*/false);
  });
  addLowering<ResizeGradOp>(patterns, [](ResizeGradOp op,
                                         ResizeGradOp::Adaptor a, OpBuilder &b) {
    return resize(b, op, a.getGrad(), tensorType(op.getResult()).getShape(),
                  tensorType(op.getGrad()).getShape(), /*adjoint=*/true);
  });
}
