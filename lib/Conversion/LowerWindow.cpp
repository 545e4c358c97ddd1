//===- LowerWindow.cpp - convolution and pooling to linalg ----------------===//
//
// Convolutions become one im2col copy and one GEMM per layer, batched over
// the groups (pc-matmul-to-runtime sends them to the runtime's blocked
// kernel). Adjoints that scatter back onto the input (conv input gradient,
// pooling gradients) are written as gathers: each padded input element sums
// the window positions that read it, so no two iterations write the same
// element.
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

/// The grouped im2col matrices [groups, n*oh*ow, cg*kh*kw] of a padded
/// input: group k's rows read channels [k*cg, (k+1)*cg).
Value im2col(OpBuilder &b, Location loc, Value xp, const Window &g,
             int64_t groups) {
  int64_t cg = g.c / groups;
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Iteration dims: (group, n, oh, ow, c, kh, kw).
  AffineMap read = AffineMap::get(
      7, 0,
      {d(1), d(0) * cg + d(4), d(2) * g.sh + d(5) * g.dh,
       d(3) * g.sw + d(6) * g.dw},
      ctx);
  Value col = copyThrough(b, loc, xp, read,
                          {groups, g.n, g.oh, g.ow, cg, g.kh, g.kw});
  return reshape(b, loc, col,
                 RankedTensorType::get(
                     {groups, g.n * g.oh * g.ow, cg * g.kh * g.kw},
                     b.getF32Type()));
}

/// An NCHW tensor of f = groups*fg channels as [groups, n*oh*ow, fg].
Value groupRows(OpBuilder &b, Location loc, Value t, int64_t groups) {
  auto s = tensorType(t).getShape();
  int64_t fg = s[1] / groups;
  Value split = reshape(b, loc, t,
                        RankedTensorType::get({s[0], groups, fg, s[2], s[3]},
                                              b.getF32Type()));
  Value dst = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{groups, s[0], s[2], s[3], fg}, b.getF32Type());
  Value rows = b.create<linalg::TransposeOp>(loc, split, dst,
                                             ArrayRef<int64_t>{1, 0, 3, 4, 2})
                   .getResult()[0];
  return reshape(b, loc, rows,
                 RankedTensorType::get({groups, s[0] * s[2] * s[3], fg},
                                       b.getF32Type()));
}

/// [groups, n*oh*ow, fg] back to NCHW [n, groups*fg, oh, ow].
Value nchwFromGroupRows(OpBuilder &b, Location loc, Value rows,
                        const Window &g) {
  auto s = tensorType(rows).getShape();
  int64_t groups = s[0], fg = s[2];
  Value split = reshape(
      b, loc, rows,
      RankedTensorType::get({groups, g.n, g.oh, g.ow, fg}, b.getF32Type()));
  Value dst = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{g.n, groups, fg, g.oh, g.ow}, b.getF32Type());
  Value nchw = b.create<linalg::TransposeOp>(loc, split, dst,
                                             ArrayRef<int64_t>{1, 0, 4, 2, 3})
                   .getResult()[0];
  return reshape(b, loc, nchw,
                 RankedTensorType::get({g.n, groups * fg, g.oh, g.ow},
                                       b.getF32Type()));
}

/// Filters [groups*fg, cg, kh, kw] as [groups, fg, cg*kh*kw] matrices.
Value filterRows(OpBuilder &b, Location loc, Value filter, int64_t groups) {
  auto s = tensorType(filter).getShape();
  return reshape(b, loc, filter,
                 RankedTensorType::get({groups, s[0] / groups, s[1] * s[2] * s[3]},
                                       b.getF32Type()));
}

/// One matrix product per group: [groups, m, k] x [groups, k, n] with
/// optional transposes (a plain matrix product when there is one group).
Value groupedMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool tl,
                    bool tr) {
  auto ls = tensorType(lhs).getShape(), rs = tensorType(rhs).getShape();
  int64_t groups = ls[0];
  int64_t m = tl ? ls[2] : ls[1], n = tr ? rs[1] : rs[2];
  auto type = RankedTensorType::get({groups, m, n}, b.getF32Type());
  if (groups == 1) {
    auto two = [&](Value v) {
      auto s = tensorType(v).getShape();
      return reshape(b, loc, v,
                     RankedTensorType::get({s[1], s[2]}, b.getF32Type()));
    };
    return reshape(b, loc, matmul(b, loc, two(lhs), two(rhs), tl, tr), type);
  }
  Value init = filled(b, loc, type.getShape(), f32(b, loc, 0.0));
  if (tl && tr)
    llvm_unreachable("grouped convolutions transpose one operand at most");
  if (tl)
    return b.create<linalg::BatchMatmulTransposeAOp>(loc, type,
                                                     ValueRange{lhs, rhs}, init)
        .getResult(0);
  if (tr)
    return b.create<linalg::BatchMatmulTransposeBOp>(loc, type,
                                                     ValueRange{lhs, rhs}, init)
        .getResult(0);
  return b.create<linalg::BatchMatmulOp>(loc, type, ValueRange{lhs, rhs}, init)
      .getResult(0);
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

// Convolutions, grouped or not, are one im2col copy and one matrix product
// per layer, batched over the groups: a depthwise layer of 960 channels is
// one batched product, not 960 convolutions.

Value lowerConv(ConvOp op, ConvOp::Adaptor a, OpBuilder &b) {
  Location loc = op.getLoc();
  auto outType = tensorType(op.getResult());
  Window g = Window::of(op, tensorType(a.getInput()).getShape(),
                        outType.getShape());
  int64_t groups = op.getGroup();
  Value xp = padInput(b, loc, a.getInput(), g, 0.0);
  Value col = im2col(b, loc, xp, g, groups);
  Value w = filterRows(b, loc, a.getFilter(), groups);
  return nchwFromGroupRows(b, loc, groupedMatmul(b, loc, col, w, false, true),
                           g);
}

Value lowerConvFilterGrad(ConvFilterGradOp op, ConvFilterGradOp::Adaptor a,
                          OpBuilder &b) {
  Location loc = op.getLoc();
  auto wType = tensorType(op.getResult());
  auto gShape = tensorType(a.getGrad()).getShape();
  Window g = Window::of(op, tensorType(a.getInput()).getShape(), gShape);
  int64_t groups = op.getGroup();
  Value xp = padInput(b, loc, a.getInput(), g, 0.0);
  Value col = im2col(b, loc, xp, g, groups);
  Value rows = groupRows(b, loc, a.getGrad(), groups);
  return reshape(b, loc, groupedMatmul(b, loc, rows, col, true, false), wType);
}

Value lowerConvInputGrad(ConvInputGradOp op, ConvInputGradOp::Adaptor a,
                         OpBuilder &b) {
  Location loc = op.getLoc();
  auto gShape = tensorType(a.getGrad()).getShape();
  Window g = Window::of(op, tensorType(op.getResult()).getShape(), gShape);
  int64_t groups = op.getGroup(), cg = g.c / groups;
  Value rows = groupRows(b, loc, a.getGrad(), groups);
  Value w = filterRows(b, loc, a.getFilter(), groups);
  // [groups, n*oh*ow, cg*kh*kw] as [n, oh, ow, c, kh, kw] (channel c =
  // group * cg + channel in group; a transpose only with several groups):
  // the contribution of every window position to the input it read.
  Value dcol = groupedMatmul(b, loc, rows, w, false, false);
  auto colType = RankedTensorType::get({g.n, g.oh, g.ow, g.c, g.kh, g.kw},
                                       b.getF32Type());
  if (groups == 1) {
    dcol = reshape(b, loc, dcol, colType);
  } else {
    Value split = reshape(
        b, loc, dcol,
        RankedTensorType::get({groups, g.n, g.oh, g.ow, cg, g.kh, g.kw},
                              b.getF32Type()));
    Value dst = b.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{g.n, g.oh, g.ow, groups, cg, g.kh, g.kw},
        b.getF32Type());
    Value t = b.create<linalg::TransposeOp>(
                   loc, split, dst, ArrayRef<int64_t>{1, 2, 3, 0, 4, 5, 6})
                  .getResult()[0];
    dcol = reshape(b, loc, t, colType);
  }
  Value dxp = scatterWindows(
      b, loc, g, g.c,
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
