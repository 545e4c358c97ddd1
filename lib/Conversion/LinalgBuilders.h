//===- LinalgBuilders.h - shared pieces of the pc-to-linalg lowering -*- C++ -*-===//
//
// Builders of linalg/tensor IR shared by the lowering files, and the pattern
// templates that wrap them. Internal to lib/Conversion.
//
//===----------------------------------------------------------------------===//
#ifndef PCC_LIB_CONVERSION_LINALGBUILDERS_H
#define PCC_LIB_CONVERSION_LINALGBUILDERS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace mlir::pc::lowering {

RankedTensorType tensorType(Value v);
Value f32(OpBuilder &b, Location loc, double v);

/// The indexing map reading an operand of `shape` broadcast to `resultShape`.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> resultShape);

using ScalarFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// An elementwise linalg.generic over `operands` broadcast to `resultType`.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange operands, ScalarFn fn);

enum class Combine { Add, Max };

/// Reduces `input` over the dimensions where `keep` is false.
Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<bool> keep,
             Combine combine, double initValue);

/// Reshape between static shapes of equal size.
Value reshape(OpBuilder &b, Location loc, Value input,
              RankedTensorType resultType);

Value scaleBy(OpBuilder &b, Location loc, Value x, double factor);

/// A tensor of `shape` filled with the scalar `value` (its element type).
Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value value);

/// `src` written into `dst` at `offsets` with `strides` (unit when empty).
Value insertSlice(OpBuilder &b, Location loc, Value src, Value dst,
                  ArrayRef<int64_t> offsets, ArrayRef<int64_t> strides = {});
/// The `sizes` part of `src` at `offsets` with `strides` (unit when empty).
Value extractSlice(OpBuilder &b, Location loc, Value src,
                   ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                   ArrayRef<int64_t> strides = {});

/// A parallel linalg.generic of `resultShape` copying `input` through
/// `inputMap` (a permutation, reversal, strided window read...).
Value copyThrough(OpBuilder &b, Location loc, Value input, AffineMap inputMap,
                  ArrayRef<int64_t> resultShape);

/// A 2-D matrix product with optionally transposed operands (linalg named
/// ops, which pc-matmul-to-runtime later turns into GEMM calls).
Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool tl, bool tr);

/// Whether two strided windows of one tensor (per dimension: first index,
/// element count, stride) may share an element: in every dimension their
/// ranges meet and, with equal strides, are in phase.
bool windowsMayOverlap(ArrayRef<int64_t> offsetsA, ArrayRef<int64_t> sizesA,
                       ArrayRef<int64_t> stridesA, ArrayRef<int64_t> offsetsB,
                       ArrayRef<int64_t> sizesB, ArrayRef<int64_t> stridesB);

void populateUnaryPatterns(RewritePatternSet &patterns);
void populateShapePatterns(RewritePatternSet &patterns);
void populateWindowPatterns(RewritePatternSet &patterns);
void populateNormalizePatterns(RewritePatternSet &patterns);
void populateResizePatterns(RewritePatternSet &patterns);

/// Sum (or max) of `input` along `axis`, kept as a size-1 dimension.
Value reduceAxisKeepDim(OpBuilder &b, Location loc, Value input, int64_t axis,
                        Combine combine, double initValue);
/// Reduces over `axes`, keeping them as size-1 dimensions.
Value reduceKeepDims(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes, Combine combine, double initValue);

/// An op lowered by one elementwise scalar function of its tensor operands.
template <typename OpTy>
struct ElementwisePattern : OpConversionPattern<OpTy> {
  using Fn = std::function<Value(OpTy, OpBuilder &, Location, ValueRange)>;
  ElementwisePattern(MLIRContext *ctx, Fn fn)
      : OpConversionPattern<OpTy>(ctx), fn(std::move(fn)) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> tensors;
    for (Value v : adaptor.getOperands())
      if (isa<RankedTensorType>(v.getType()))
        tensors.push_back(v);
    Value r = elementwise(
        rewriter, op.getLoc(), tensorType(op->getResult(0)), tensors,
        [&](OpBuilder &b, Location l, ValueRange a) { return fn(op, b, l, a); });
    rewriter.replaceOp(op, r);
    return success();
  }
  Fn fn;
};

template <typename OpTy, typename Fn>
void addElementwise(RewritePatternSet &patterns, Fn fn) {
  patterns.add<ElementwisePattern<OpTy>>(
      patterns.getContext(), typename ElementwisePattern<OpTy>::Fn(fn));
}

/// An op lowered by a function building its replacement value.
template <typename OpTy>
struct LowerWith : OpConversionPattern<OpTy> {
  using Fn = std::function<Value(OpTy, typename OpTy::Adaptor, OpBuilder &)>;
  LowerWith(MLIRContext *ctx, Fn fn)
      : OpConversionPattern<OpTy>(ctx), fn(std::move(fn)) {}
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, fn(op, adaptor, rewriter));
    return success();
  }
  Fn fn;
};

template <typename OpTy, typename Fn>
void addLowering(RewritePatternSet &patterns, Fn fn) {
  patterns.add<LowerWith<OpTy>>(patterns.getContext(),
                                typename LowerWith<OpTy>::Fn(fn));
}

} // namespace mlir::pc::lowering

#endif
