//===- LowerShape.cpp - data-movement pc ops to linalg and tensor ---------===//
#include "LinalgBuilders.h"
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::pc;
using namespace mlir::pc::lowering;

namespace {

SmallVector<utils::IteratorType> parallel(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// `input` with dimension i reversed where `reverse[i]`; same shape.
Value reverseDims(OpBuilder &b, Location loc, Value input,
                  ArrayRef<bool> reverse) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = tensorType(input).getShape();
  SmallVector<AffineExpr> exprs;
  for (auto [i, n] : llvm::enumerate(shape))
    exprs.push_back(reverse[i] ? n - 1 - getAffineDimExpr(i, ctx)
                               : getAffineDimExpr(i, ctx));
  return copyThrough(b, loc, input, AffineMap::get(shape.size(), 0, exprs, ctx),
                     shape);
}

/// For each dimension of a strided slice producing `n` elements: the
/// positive-stride window covering what it reads, and whether it reads it
/// backwards.
struct Window1D {
  SmallVector<int64_t> offsets, strides;
  SmallVector<bool> reverse;
};
Window1D sliceWindows(ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
                      ArrayRef<int64_t> steps) {
  Window1D w;
  for (auto [i, n] : llvm::enumerate(shape)) {
    int64_t start = starts[i], step = steps[i];
    w.offsets.push_back(step < 0 ? start + step * (n - 1) : start);
    w.strides.push_back(std::abs(step));
    w.reverse.push_back(step < 0);
  }
  return w;
}

Value lowerSlice(SliceOp op, SliceOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  auto type = tensorType(op.getResult());
  Window1D w = sliceWindows(type.getShape(), op.getStarts(), op.getSteps());
  Value r =
      extractSlice(b, loc, a.getInput(), w.offsets, type.getShape(), w.strides);
  if (llvm::is_contained(w.reverse, true))
    r = reverseDims(b, loc, r, w.reverse);
  return r;
}

Window1D windowOf(SliceGradOp op) {
  return sliceWindows(tensorType(op.getGrad()).getShape(), op.getStarts(),
                      op.getSteps());
}

/// Whether the accumulator of `op` is zero inside `op`'s window: a chain of
/// slice_grads, none of which writes there.
bool accumulatorZeroInWindow(SliceGradOp op) {
  Window1D w = windowOf(op);
  ArrayRef<int64_t> sizes = tensorType(op.getGrad()).getShape();
  for (Value acc = op.getAccumulator(); acc;) {
    auto earlier = acc.getDefiningOp<SliceGradOp>();
    if (!earlier)
      return false;
    Window1D e = windowOf(earlier);
    if (windowsMayOverlap(w.offsets, sizes, w.strides, e.offsets,
                          tensorType(earlier.getGrad()).getShape(), e.strides))
      return false;
    acc = earlier.getAccumulator();
  }
  return true;
}

Value lowerSliceGrad(SliceGradOp op, SliceGradOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  Value g = a.getGrad();
  Window1D w =
      sliceWindows(tensorType(g).getShape(), op.getStarts(), op.getSteps());
  if (llvm::is_contained(w.reverse, true))
    g = reverseDims(b, loc, g, w.reverse);
  Value acc = a.getAccumulator();
  if (!acc) {
    Value zeros =
        filled(b, loc, tensorType(op.getResult()).getShape(), f32(b, loc, 0.0));
    return insertSlice(b, loc, g, zeros, w.offsets, w.strides);
  }
  // Disjoint windows (time steps, gates, concatenated inputs) only insert:
  // the accumulators then form a plain insert chain, which
  // pc-insert-chains-to-buffers writes into one buffer.
  if (accumulatorZeroInWindow(op))
    return insertSlice(b, loc, g, acc, w.offsets, w.strides);
  // acc[window] += g, written into the window itself so that bufferization
  // updates the accumulator in place.
  auto gType = tensorType(g);
  Value window =
      extractSlice(b, loc, acc, w.offsets, gType.getShape(), w.strides);
  AffineMap id = b.getMultiDimIdentityMap(gType.getRank());
  Value sum = b.create<linalg::GenericOp>(
                   loc, gType, ValueRange{g}, ValueRange{window},
                   SmallVector<AffineMap>{id, id}, parallel(gType.getRank()),
                   [](OpBuilder &nb, Location l, ValueRange args) {
                     Value s = nb.create<arith::AddFOp>(l, args[1], args[0]);
                     nb.create<linalg::YieldOp>(l, s);
                   })
                  .getResult(0);
  return insertSlice(b, loc, sum, acc, w.offsets, w.strides);
}

Value lowerConcat(ConcatOp op, ConcatOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  auto type = tensorType(op.getResult());
  Value out = b.create<tensor::EmptyOp>(loc, type.getShape(), b.getF32Type());
  SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
  for (Value in : a.getInputs()) {
    out = insertSlice(b, loc, in, out, offsets, strides);
    offsets[op.getAxis()] += tensorType(in).getShape()[op.getAxis()];
  }
  return out;
}

Value lowerPad(PadOp op, PadOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  auto type = tensorType(op.getResult());
  Value out = filled(b, loc, type.getShape(),
                     f32(b, loc, op.getValue().convertToFloat()));
  SmallVector<int64_t> strides(type.getRank(), 1);
  return insertSlice(b, loc, a.getInput(), out, op.getLow(), strides);
}

Value lowerReduceSum(ReduceSumOp op, ReduceSumOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  int64_t rank = tensorType(a.getInput()).getRank();
  SmallVector<bool> keep(rank, true);
  for (int64_t axis : op.getAxes())
    keep[axis] = false;
  Value r = reduce(b, loc, a.getInput(), keep, Combine::Add, 0.0);
  double scale = op.getScale().convertToFloat();
  if (scale != 1.0)
    r = scaleBy(b, loc, r, scale);
  return reshape(b, loc, r, tensorType(op.getResult()));
}

/// The constant index table of a gather as an i64 tensor.
Value indexTable(OpBuilder &b, Location loc, ArrayRef<int64_t> indices) {
  auto type = RankedTensorType::get({(int64_t)indices.size()}, b.getI64Type());
  return b.create<arith::ConstantOp>(loc,
                                     DenseIntElementsAttr::get(type, indices));
}

Value lowerGather(GatherOp op, GatherOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  auto type = tensorType(op.getResult());
  int64_t rank = type.getRank(), axis = op.getAxis();
  Value data = a.getInput();
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, getAffineDimExpr(axis, ctx), ctx),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  Value init = b.create<tensor::EmptyOp>(loc, type.getShape(), b.getF32Type());
  return b
      .create<linalg::GenericOp>(
          loc, type, indexTable(b, loc, op.getIndices()), init, maps,
          parallel(rank),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            SmallVector<Value> at;
            for (int64_t i = 0; i < rank; ++i)
              at.push_back(i == axis
                               ? nb.create<arith::IndexCastOp>(
                                       nl, nb.getIndexType(), args[0])
                                     .getResult()
                               : nb.create<linalg::IndexOp>(nl, i).getResult());
            nb.create<linalg::YieldOp>(
                nl, nb.create<tensor::ExtractOp>(nl, data, at).getResult());
          })
      .getResult(0);
}

Value lowerGatherGrad(GatherGradOp op, GatherGradOp::Adaptor a, OpBuilder &b) {
  // out[..., j, ...] = sum_k (indices[k] == j) * g[..., k, ...]: a reduction
  // over k, so repeated indices accumulate.
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  auto type = tensorType(op.getResult());
  int64_t rank = type.getRank(), axis = op.getAxis();
  SmallVector<AffineExpr> gExprs, outExprs;
  for (int64_t i = 0; i < rank; ++i) {
    gExprs.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
    outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, gExprs, ctx),
      AffineMap::get(rank + 1, 0, getAffineDimExpr(rank, ctx), ctx),
      AffineMap::get(rank + 1, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iters = parallel(rank);
  iters.push_back(utils::IteratorType::reduction);
  Value init = filled(b, loc, type.getShape(), f32(b, loc, 0.0));
  return b
      .create<linalg::GenericOp>(
          loc, type,
          ValueRange{a.getGrad(), indexTable(b, loc, op.getIndices())}, init,
          maps, iters,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value j = nb.create<arith::IndexCastOp>(
                nl, nb.getI64Type(), nb.create<linalg::IndexOp>(nl, axis));
            Value hit = nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::eq,
                                                 args[1], j);
            Value term =
                nb.create<arith::SelectOp>(nl, hit, args[0], f32(nb, nl, 0.0));
            nb.create<linalg::YieldOp>(
                nl, nb.create<arith::AddFOp>(nl, args[2], term).getResult());
          })
      .getResult(0);
}

} // namespace

void mlir::pc::lowering::populateShapePatterns(RewritePatternSet &patterns) {
  addLowering<SliceOp>(patterns, lowerSlice);
  addLowering<SliceGradOp>(patterns, lowerSliceGrad);
  addLowering<ConcatOp>(patterns, lowerConcat);
  addLowering<PadOp>(patterns, lowerPad);
  addElementwise<BroadcastToOp>(
      patterns,
      [](BroadcastToOp, OpBuilder &, Location, ValueRange a) { return a[0]; });
  addLowering<ReduceSumOp>(patterns, lowerReduceSum);
  addLowering<GatherOp>(patterns, lowerGather);
  addLowering<GatherGradOp>(patterns, lowerGatherGrad);
}
