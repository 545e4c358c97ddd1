//===- LowerWindow.cpp - convolution and pooling to linalg ----------------===//
//
// Convolutions become im2col copies and GEMMs (which pc-matmul-to-runtime
// sends to the runtime's blocked kernel), one per group. Adjoints that
// scatter back onto the input (conv input gradient, pooling gradients) are
// written as gathers: each padded input element sums the window positions
// that read it, so no two iterations write the same element.
//
//===----------------------------------------------------------------------===//
#include "LinalgBuilders.h"
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::pc;
using namespace mlir::pc::lowering;

namespace {

using utils::IteratorType;

/// The geometry of a 2-D window op over an NCHW input.
struct Window {
  int64_t n, c, h, w;         // input
  int64_t oh, ow;             // result spatial size
  int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  int64_t hp, wp;             // padded extent, covering every window

  template <typename OpTy>
  static Window of(OpTy op, ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
    Window g;
    g.n = in[0], g.c = in[1], g.h = in[2], g.w = in[3];
    g.oh = out[2], g.ow = out[3];
    g.kh = op.getKernelShape()[0], g.kw = op.getKernelShape()[1];
    g.sh = op.getStrides()[0], g.sw = op.getStrides()[1];
    g.dh = op.getDilations()[0], g.dw = op.getDilations()[1];
    g.pt = op.getPads()[0], g.pl = op.getPads()[1];
    g.pb = op.getPads()[2], g.pr = op.getPads()[3];
    // ceil_mode windows may reach past the padding.
    g.hp = std::max(g.h + g.pt + g.pb, (g.oh - 1) * g.sh + g.dh * (g.kh - 1) + 1);
    g.wp = std::max(g.w + g.pl + g.pr, (g.ow - 1) * g.sw + g.dw * (g.kw - 1) + 1);
    return g;
  }
};

/// Channels [offset, offset+count) of an NCHW tensor. Group slices are
/// taken before any generic reads them: linalg infers loop bounds from the
/// first operand indexed by a plain dimension.
Value channels(OpBuilder &b, Location loc, Value t, int64_t offset,
               int64_t count) {
  auto s = tensorType(t).getShape();
  if (count == s[1])
    return t;
  return extractSlice(b, loc, t, {0, offset, 0, 0}, {s[0], count, s[2], s[3]});
}

/// The input padded to [n, c, hp, wp] with `value`.
Value padInput(OpBuilder &b, Location loc, Value x, const Window &g,
               double value) {
  if (g.hp == g.h && g.wp == g.w)
    return x;
  Value out = filled(b, loc, {g.n, g.c, g.hp, g.wp}, f32(b, loc, value));
  return insertSlice(b, loc, x, out, {0, 0, g.pt, g.pl});
}

/// The padded-input element read by window position (oh, ow, kh, kw) given
/// as dims of a 6-D iteration space: (n, c, oh*sh + kh*dh, ...).
AffineMap windowRead(MLIRContext *ctx, const Window &g, unsigned n, unsigned c,
                     unsigned oh, unsigned ow, unsigned kh, unsigned kw) {
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  return AffineMap::get(6, 0,
                        {d(n), d(c), d(oh) * g.sh + d(kh) * g.dh,
                         d(ow) * g.sw + d(kw) * g.dw},
                        ctx);
}

/// A kernel-shaped operand, read through (kh, kw), that gives those loops
/// their bounds: linalg infers loop bounds only from plain dimensions.
Value kernelOperand(OpBuilder &b, Location loc, const Window &g) {
  auto type = RankedTensorType::get({g.kh, g.kw}, b.getF32Type());
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
}

/// Reduces every window of the padded input `xp` with max or add.
Value poolWindows(OpBuilder &b, Location loc, Value xp, const Window &g,
                  Combine combine) {
  MLIRContext *ctx = b.getContext();
  double init = combine == Combine::Max
                    ? -std::numeric_limits<float>::infinity()
                    : 0.0;
  auto type = RankedTensorType::get({g.n, g.c, g.oh, g.ow}, b.getF32Type());
  Value out = filled(b, loc, type.getShape(), f32(b, loc, init));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(6, ctx);
  SmallVector<AffineMap> maps = {windowRead(ctx, g, 0, 1, 2, 3, 4, 5),
                                 identity.getSubMap({4, 5}),
                                 identity.getSubMap({0, 1, 2, 3})};
  SmallVector<IteratorType> iters(4, IteratorType::parallel);
  iters.append(2, IteratorType::reduction);
  return b
      .create<linalg::GenericOp>(
          loc, type, ValueRange{xp, kernelOperand(b, loc, g)}, out, maps, iters,
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value r = combine == Combine::Max
                          ? nb.create<arith::MaximumFOp>(nl, a[0], a[2])
                                .getResult()
                          : nb.create<arith::AddFOp>(nl, a[0], a[2]).getResult();
            nb.create<linalg::YieldOp>(nl, r);
          })
      .getResult(0);
}

/// The im2col matrix [n*oh*ow, cg*kh*kw] of a padded input with cg channels.
Value im2col(OpBuilder &b, Location loc, Value xp, const Window &g) {
  int64_t cg = tensorType(xp).getShape()[1];
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape = {g.n, g.oh, g.ow, cg, g.kh, g.kw};
  // Iteration dims: (n, oh, ow, c, kh, kw).
  Value col =
      copyThrough(b, loc, xp, windowRead(ctx, g, 0, 3, 1, 2, 4, 5), shape);
  return reshape(b, loc, col,
                 RankedTensorType::get({g.n * g.oh * g.ow, cg * g.kh * g.kw},
                                       b.getF32Type()));
}

/// Channels [fOffset, fOffset+fg) of an NCHW tensor as a [n*oh*ow, fg]
/// matrix.
Value nhwcRows(OpBuilder &b, Location loc, Value t, int64_t fOffset,
               int64_t fg) {
  MLIRContext *ctx = b.getContext();
  t = channels(b, loc, t, fOffset, fg);
  auto s = tensorType(t).getShape();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  Value r = copyThrough(b, loc, t,
                        AffineMap::get(4, 0, {d(0), d(3), d(1), d(2)}, ctx),
                        {s[0], s[2], s[3], fg});
  return reshape(b, loc, r,
                 RankedTensorType::get({s[0] * s[2] * s[3], fg}, b.getF32Type()));
}

/// A [n*oh*ow, f] matrix back to NCHW [n, f, oh, ow].
Value nchwFromRows(OpBuilder &b, Location loc, Value rows, const Window &g) {
  int64_t f = tensorType(rows).getShape()[1];
  Value nhwc = reshape(
      b, loc, rows, RankedTensorType::get({g.n, g.oh, g.ow, f}, b.getF32Type()));
  Value dst = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{g.n, f, g.oh, g.ow}, b.getF32Type());
  return b.create<linalg::TransposeOp>(loc, nhwc, dst,
                                       ArrayRef<int64_t>{0, 3, 1, 2})
      .getResult()[0];
}

/// Filters [fOffset, fOffset+fg) as a [fg, cg*kh*kw] matrix.
Value filterRows(OpBuilder &b, Location loc, Value filter, int64_t fOffset,
                 int64_t fg) {
  auto s = tensorType(filter).getShape();
  if (fg != s[0])
    filter = extractSlice(b, loc, filter, {fOffset, 0, 0, 0}, {fg, s[1], s[2], s[3]});
  return reshape(b, loc, filter,
                 RankedTensorType::get({fg, s[1] * s[2] * s[3]}, b.getF32Type()));
}

/// Builds, for kernel offset (kh, kw), a linalg.generic over [n, cg, oh,
/// ow] that adds the window positions' contributions into `init` (the
/// strided view of the padded gradient those positions read) and returns it.
using AddContributionFn =
    function_ref<Value(OpBuilder &, Location, int64_t kh, int64_t kw, Value init)>;

/// [n, cg, hp, wp]: every padded input element summing the contributions of
/// the window positions that read it. One strided slice per kernel offset,
/// so every generic is affine and no two iterations write one element.
Value scatterWindows(OpBuilder &b, Location loc, const Window &g, int64_t cg,
                     AddContributionFn addContribution) {
  Value out = filled(b, loc, {g.n, cg, g.hp, g.wp}, f32(b, loc, 0.0));
  SmallVector<int64_t> sizes = {g.n, cg, g.oh, g.ow};
  SmallVector<int64_t> strides = {1, 1, g.sh, g.sw};
  for (int64_t kh = 0; kh < g.kh; ++kh)
    for (int64_t kw = 0; kw < g.kw; ++kw) {
      SmallVector<int64_t> offsets = {0, 0, kh * g.dh, kw * g.dw};
      Value view = extractSlice(b, loc, out, offsets, sizes, strides);
      Value sum = addContribution(b, loc, kh, kw, view);
      out = insertSlice(b, loc, sum, out, offsets, strides);
    }
  return out;
}

/// A generic over [n, c, oh, ow] adding `term(inputs...)` into `init`.
Value accumulate(OpBuilder &b, Location loc, Value init, ValueRange inputs,
                 ArrayRef<AffineMap> inputMaps,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> term) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  return b
      .create<linalg::GenericOp>(
          loc, init.getType(), inputs, init, maps,
          SmallVector<IteratorType>(4, IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value t = term(nb, nl, a.drop_back());
            nb.create<linalg::YieldOp>(
                nl, nb.create<arith::AddFOp>(nl, a.back(), t).getResult());
          })
      .getResult(0);
}

/// The unpadded [n, c, h, w] part of a padded gradient.
Value unpad(OpBuilder &b, Location loc, Value xp, const Window &g) {
  if (g.hp == g.h && g.wp == g.w)
    return xp;
  return extractSlice(b, loc, xp, {0, 0, g.pt, g.pl}, {g.n, g.c, g.h, g.w});
}

/// 1/count for every output position of an average pool, [oh, ow].
Value inverseCounts(OpBuilder &b, Location loc, const Window &g,
                    bool includePad) {
  auto count = [&](int64_t o, int64_t stride, int64_t k, int64_t dil,
                   int64_t padBegin, int64_t size, int64_t padEnd) {
    int64_t lo = includePad ? -padBegin : 0;
    int64_t hi = includePad ? size + padEnd : size;
    int64_t n = 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t p = o * stride + j * dil - padBegin;
      n += p >= lo && p < hi;
    }
    return n;
  };
  std::vector<float> inv;
  for (int64_t y = 0; y < g.oh; ++y)
    for (int64_t x = 0; x < g.ow; ++x) {
      int64_t n = count(y, g.sh, g.kh, g.dh, g.pt, g.h, g.pb) *
                  count(x, g.sw, g.kw, g.dw, g.pl, g.w, g.pr);
      inv.push_back(n ? 1.0f / n : 0.0f);
    }
  auto type = RankedTensorType::get({g.oh, g.ow}, b.getF32Type());
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, ArrayRef<float>(inv)));
}

/// The per-group results of a grouped convolution side by side: group k's
/// tensor (`perGroup(k)`) at offset k * `size` of dimension `dim` of a
/// tensor of `shape`; with one group, that group's tensor itself.
Value joinGroups(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 int64_t groups, int64_t dim, int64_t size,
                 function_ref<Value(int64_t)> perGroup) {
  if (groups == 1)
    return perGroup(0);
  Value out = b.create<tensor::EmptyOp>(loc, shape, b.getF32Type());
  SmallVector<int64_t> offsets(shape.size(), 0);
  for (int64_t k = 0; k < groups; ++k) {
    offsets[dim] = k * size;
    out = insertSlice(b, loc, perGroup(k), out, offsets);
  }
  return out;
}

Value lowerConv(ConvOp op, ConvOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  auto outType = tensorType(op.getResult());
  Window g = Window::of(op, tensorType(a.getInput()).getShape(),
                        outType.getShape());
  int64_t groups = op.getGroup(), cg = g.c / groups,
          fg = outType.getShape()[1] / groups;
  Value xp = padInput(b, loc, a.getInput(), g, 0.0);
  return joinGroups(b, loc, outType.getShape(), groups, /*dim=*/1, fg,
                    [&](int64_t k) {
                      Value col =
                          im2col(b, loc, channels(b, loc, xp, k * cg, cg), g);
                      Value w = filterRows(b, loc, a.getFilter(), k * fg, fg);
                      return nchwFromRows(
                          b, loc, matmul(b, loc, col, w, false, true), g);
                    });
}

Value lowerConvFilterGrad(ConvFilterGradOp op, ConvFilterGradOp::Adaptor a,
                          OpBuilder &b) {
  Location loc = op.getLoc();
  auto wType = tensorType(op.getResult());
  auto gShape = tensorType(a.getGrad()).getShape();
  Window g = Window::of(op, tensorType(a.getInput()).getShape(), gShape);
  int64_t groups = op.getGroup(), cg = g.c / groups, fg = gShape[1] / groups;
  Value xp = padInput(b, loc, a.getInput(), g, 0.0);
  return joinGroups(b, loc, wType.getShape(), groups, /*dim=*/0, fg,
                    [&](int64_t k) {
                      Value col =
                          im2col(b, loc, channels(b, loc, xp, k * cg, cg), g);
                      Value rows = nhwcRows(b, loc, a.getGrad(), k * fg, fg);
                      return reshape(
                          b, loc, matmul(b, loc, rows, col, true, false),
                          RankedTensorType::get({fg, cg, g.kh, g.kw},
                                                b.getF32Type()));
                    });
}

Value lowerConvInputGrad(ConvInputGradOp op, ConvInputGradOp::Adaptor a,
                         OpBuilder &b) {
  Location loc = op.getLoc();
  auto gShape = tensorType(a.getGrad()).getShape();
  Window g = Window::of(op, tensorType(op.getResult()).getShape(), gShape);
  int64_t groups = op.getGroup(), cg = g.c / groups, fg = gShape[1] / groups;
  Value dxp;
  if (groups > 1)
    dxp = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{g.n, g.c, g.hp, g.wp},
                                    b.getF32Type());
  for (int64_t k = 0; k < groups; ++k) {
    Value rows = nhwcRows(b, loc, a.getGrad(), k * fg, fg);
    Value w = filterRows(b, loc, a.getFilter(), k * fg, fg);
    Value dcol = reshape(b, loc, matmul(b, loc, rows, w, false, false),
                         RankedTensorType::get({g.n, g.oh, g.ow, cg, g.kh, g.kw},
                                               b.getF32Type()));
    Value part = scatterWindows(
        b, loc, g, cg,
        [&](OpBuilder &nb, Location nl, int64_t kh, int64_t kw, Value init) {
          MLIRContext *ctx = nb.getContext();
          auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
          AffineMap read = AffineMap::get(
              4, 0,
              {d(0), d(2), d(3), d(1), getAffineConstantExpr(kh, ctx),
               getAffineConstantExpr(kw, ctx)},
              ctx);
          return accumulate(nb, nl, init, dcol, read,
                            [](OpBuilder &, Location, ValueRange v) { return v[0]; });
        });
    dxp = groups > 1 ? insertSlice(b, loc, part, dxp, {0, k * cg, 0, 0}) : part;
  }
  return unpad(b, loc, dxp, g);
}

Value lowerMaxPoolGrad(MaxPoolGradOp op, MaxPoolGradOp::Adaptor a,
                       OpBuilder &b) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  auto gType = tensorType(a.getGrad());
  Window g = Window::of(op, tensorType(a.getInput()).getShape(),
                        gType.getShape());
  Value xp = padInput(b, loc, a.getInput(), g,
                      -std::numeric_limits<float>::infinity());
  // The flat kernel offset kh*kw_size + kw of each window's first maximum.
  Value maxInit =
      filled(b, loc, gType.getShape(),
             f32(b, loc, -std::numeric_limits<float>::infinity()));
  Value idxInit = filled(b, loc, gType.getShape(),
                         b.create<arith::ConstantIntOp>(loc, 0, 64));
  AffineMap outMap =
      AffineMap::getMultiDimIdentityMap(6, ctx).getSubMap({0, 1, 2, 3});
  SmallVector<IteratorType> iters(4, IteratorType::parallel);
  iters.append(2, IteratorType::reduction);
  AffineMap kernelMap =
      AffineMap::getMultiDimIdentityMap(6, ctx).getSubMap({4, 5});
  auto argmax = b.create<linalg::GenericOp>(
      loc, TypeRange{maxInit.getType(), idxInit.getType()},
      ValueRange{xp, kernelOperand(b, loc, g)}, ValueRange{maxInit, idxInit},
      ArrayRef<AffineMap>{windowRead(ctx, g, 0, 1, 2, 3, 4, 5), kernelMap,
                          outMap, outMap},
      iters, [&](OpBuilder &nb, Location nl, ValueRange v) {
        Value kh = nb.create<linalg::IndexOp>(nl, 4);
        Value kw = nb.create<linalg::IndexOp>(nl, 5);
        Value flat = nb.create<arith::AddIOp>(
            nl,
            nb.create<arith::MulIOp>(nl, kh,
                                     nb.create<arith::ConstantIndexOp>(nl, g.kw)),
            kw);
        flat = nb.create<arith::IndexCastOp>(nl, nb.getI64Type(), flat);
        Value better = nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OGT,
                                                v[0], v[2]);
        nb.create<linalg::YieldOp>(
            nl, ValueRange{nb.create<arith::SelectOp>(nl, better, v[0], v[2]),
                           nb.create<arith::SelectOp>(nl, better, flat, v[3])});
      });
  Value where = argmax.getResult(1);
  Value grad = a.getGrad();
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  Value dxp = scatterWindows(
      b, loc, g, g.c,
      [&](OpBuilder &nb, Location nl, int64_t kh, int64_t kw, Value init) {
        int64_t flat = kh * g.kw + kw;
        return accumulate(
            nb, nl, init, ValueRange{where, grad}, {id, id},
            [&](OpBuilder &bb, Location bl, ValueRange v) -> Value {
              Value hit = bb.create<arith::CmpIOp>(
                  bl, arith::CmpIPredicate::eq, v[0],
                  bb.create<arith::ConstantIntOp>(bl, flat, 64));
              return bb.create<arith::SelectOp>(bl, hit, v[1],
                                                f32(bb, bl, 0.0));
            });
      });
  return unpad(b, loc, dxp, g);
}

Value lowerAvgPool(AvgPoolOp op, AvgPoolOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  auto type = tensorType(op.getResult());
  Window g = Window::of(op, tensorType(a.getInput()).getShape(),
                        type.getShape());
  Value xp = padInput(b, loc, a.getInput(), g, 0.0);
  Value sums = poolWindows(b, loc, xp, g, Combine::Add);
  Value inv = inverseCounts(b, loc, g, op.getCountIncludePad());
  return elementwise(b, loc, type, {sums, inv},
                     [](OpBuilder &nb, Location nl, ValueRange v) -> Value {
                       return nb.create<arith::MulFOp>(nl, v[0], v[1]);
                     });
}

Value lowerAvgPoolGrad(AvgPoolGradOp op, AvgPoolGradOp::Adaptor a,
                       OpBuilder &b) {
  Location loc = op.getLoc();
  Window g = Window::of(op, tensorType(op.getResult()).getShape(),
                        tensorType(a.getGrad()).getShape());
  Value inv = inverseCounts(b, loc, g, op.getCountIncludePad());
  Value grad = a.getGrad();
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  Value dxp = scatterWindows(
      b, loc, g, g.c,
      [&](OpBuilder &nb, Location nl, int64_t, int64_t, Value init) {
        return accumulate(nb, nl, init, ValueRange{grad, inv},
                          {id, id.getSubMap({2, 3})},
                          [](OpBuilder &bb, Location bl, ValueRange v) -> Value {
                            return bb.create<arith::MulFOp>(bl, v[0], v[1]);
                          });
      });
  return unpad(b, loc, dxp, g);
}

} // namespace

void mlir::pc::lowering::populateWindowPatterns(RewritePatternSet &patterns) {
  addLowering<ConvOp>(patterns, lowerConv);
  addLowering<ConvFilterGradOp>(patterns, lowerConvFilterGrad);
  addLowering<ConvInputGradOp>(patterns, lowerConvInputGrad);
  addLowering<MaxPoolOp>(patterns, [](MaxPoolOp op, MaxPoolOp::Adaptor a,
                                      OpBuilder &b) {
    Location loc = op.getLoc();
    Window g = Window::of(op, tensorType(a.getInput()).getShape(),
                          tensorType(op.getResult()).getShape());
    Value xp = padInput(b, loc, a.getInput(), g,
                        -std::numeric_limits<float>::infinity());
    return poolWindows(b, loc, xp, g, Combine::Max);
  });
  addLowering<MaxPoolGradOp>(patterns, lowerMaxPoolGrad);
  addLowering<AvgPoolOp>(patterns, lowerAvgPool);
  addLowering<AvgPoolGradOp>(patterns, lowerAvgPoolGrad);
}
