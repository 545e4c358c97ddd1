//===- ImportRecurrent.cpp - RNN, GRU and LSTM unrolled in time -----------===//
//
// Every gate, product and sum of every time step becomes its own pc op, so
// each is a vertex with its own value and error node (the PC-RNN and PC-LSTM
// of the seed papers). The input projection of all time steps is one GEMM;
// the recurrent projection is one GEMM per step; gate pre-activations are
// column slices of their sum. Weight slices are parameter expressions.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

using namespace mlir;
using namespace pcc::detail;

namespace {

enum class Cell { RNN, GRU, LSTM };

/// An activation function of the recurrent ops' `activations` attribute.
struct Activation {
  std::string name;
  float alpha = 0.0f;
};

} // namespace

static void importRecurrent(Importer &imp, const onnx::NodeProto &node) {
  OpBuilder &b = imp.b;
  const std::string &op = node.op_type();
  Cell cell = op == "RNN" ? Cell::RNN : op == "GRU" ? Cell::GRU : Cell::LSTM;
  int64_t gates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  imp.rejectAttrsExcept(node, {"activation_alpha", "activation_beta", "activations",
                           "clip", "direction", "hidden_size", "layout",
                           "linear_before_reset", "input_forget"});
  Location l = imp.loc(node);

  std::string direction = "forward";
  if (const auto *a = imp.attr(node, "direction"))
    direction = a->s();
  if (direction != "forward" && direction != "reverse" &&
      direction != "bidirectional")
    imp.fail(node, "direction '" + direction + "' is not valid");
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  int64_t layout = imp.intAttr(node, "layout", 0);
  if (layout != 0 && layout != 1)
    imp.fail(node, "layout must be 0 or 1");
  if (imp.intAttr(node, "input_forget", 0) != 0)
    imp.fail(node, "input_forget=1 is not supported");
  bool linearBeforeReset = imp.intAttr(node, "linear_before_reset", 0) != 0;

  Value x = imp.tensor(node, 0), w = imp.tensor(node, 1), r = imp.tensor(node, 2);
  auto xs = imp.shapeOfValue(x), ws = imp.shapeOfValue(w), rs = imp.shapeOfValue(r);
  if (xs.size() != 3)
    imp.fail(node, "X must be 3-D, got " + shapeString(xs));
  int64_t steps = layout ? xs[1] : xs[0], batch = layout ? xs[0] : xs[1],
          inSize = xs[2];
  if (rs.size() != 3 || rs[0] != dirs || rs[1] % gates || rs[1] / gates != rs[2])
    imp.fail(node, "R must be [" + std::to_string(dirs) + ", " +
                   std::to_string(gates) + "*hidden, hidden], got " +
                   shapeString(rs));
  int64_t hidden = rs[2], gh = gates * hidden;
  if (imp.intAttr(node, "hidden_size", hidden) != hidden)
    imp.fail(node, "hidden_size differs from R " + shapeString(rs));
  if (ws != ArrayRef<int64_t>{dirs, gh, inSize})
    imp.fail(node, "W must be " + shapeString({dirs, gh, inSize}) + ", got " +
                   shapeString(ws));
  std::optional<Value> bias;
  if (imp.hasInput(node, 3)) {
    bias = imp.tensor(node, 3);
    if (imp.shapeOfValue(*bias) != ArrayRef<int64_t>{dirs, 2 * gh})
      imp.fail(node, "B must be " + shapeString({dirs, 2 * gh}) + ", got " +
                     shapeString(imp.shapeOfValue(*bias)));
  }
  if (imp.hasInput(node, 4)) {
    SmallVector<int64_t> lens = imp.constantInts(node, 4, "sequence_lens");
    for (int64_t n : lens)
      if (n != steps)
        imp.fail(node, "sequence_lens other than the full length " +
                       std::to_string(steps) + " are not supported");
  }
  // Initial states, [dirs, batch, hidden] (layout 0) or [batch, dirs,
  // hidden]; null when absent or all zeros.
  // An all-zero constant state or peephole contributes nothing.
  auto isZeroConstant = [&](int i) {
    const Entry &e = imp.lookup(node, i);
    return e.constant &&
           llvm::all_of(llvm::seq<int64_t>(0, e.constant->size()),
                        [&](int64_t k) { return e.constant->at(k) == 0; });
  };
  // The shape is checked before a constant's data is read.
  auto initialState = [&](int i, const char *what) -> Value {
    if (!imp.hasInput(node, i))
      return Value();
    SmallVector<int64_t> expect = layout ? SmallVector<int64_t>{batch, dirs, hidden}
                                         : SmallVector<int64_t>{dirs, batch, hidden};
    if (imp.shapeOf(node, i) != ArrayRef<int64_t>(expect))
      imp.fail(node, std::string(what) + " must be " + shapeString(expect) +
                         ", got " + shapeString(imp.shapeOf(node, i)));
    if (isZeroConstant(i))
      return Value();
    return imp.tensor(node, i);
  };
  Value h0 = initialState(5, "initial_h");
  Value c0 = cell == Cell::LSTM ? initialState(6, "initial_c") : Value();
  std::optional<Value> peep;
  if (cell == Cell::LSTM && imp.hasInput(node, 7)) {
    if (imp.shapeOf(node, 7) != ArrayRef<int64_t>{dirs, 3 * hidden})
      imp.fail(node, "P must be " + shapeString({dirs, 3 * hidden}));
    if (!isZeroConstant(7))
      peep = imp.tensor(node, 7);
  }

  // Activations, consumed in order per direction: f (RNN); f, g (GRU);
  // f, g, h (LSTM).
  int64_t perDir = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 2 : 3;
  SmallVector<Activation> acts;
  if (const auto *a = imp.attr(node, "activations")) {
    std::vector<float> alphas;
    if (const auto *al = imp.attr(node, "activation_alpha"))
      alphas.assign(al->floats().begin(), al->floats().end());
    size_t nextAlpha = 0;
    for (const std::string &name : a->strings()) {
      Activation act{name};
      if (name == "LeakyRelu" || name == "Elu") {
        act.alpha = nextAlpha < alphas.size() ? alphas[nextAlpha++]
                    : name == "LeakyRelu"      ? 0.01f
                                               : 1.0f;
      } else if (name != "Sigmoid" && name != "Tanh" && name != "Relu" &&
                 name != "Softplus") {
        imp.fail(node, "activation '" + name + "' is not supported (Sigmoid, "
                   "Tanh, Relu, LeakyRelu, Elu, Softplus are)");
      }
      acts.push_back(act);
    }
    if ((int64_t)acts.size() != perDir * dirs)
      imp.fail(node, "activations has " + std::to_string(acts.size()) +
                     " entries, expected " + std::to_string(perDir * dirs));
  } else {
    for (int64_t d = 0; d < dirs; ++d) {
      if (cell == Cell::RNN)
        acts.push_back({"Tanh"});
      else
        acts.push_back({"Sigmoid"});
      if (cell != Cell::RNN)
        acts.push_back({"Tanh"});
      if (cell == Cell::LSTM)
        acts.push_back({"Tanh"});
    }
  }
  std::optional<float> clip;
  if (imp.attr(node, "clip"))
    clip = imp.floatAttr(node, "clip", 0.0f);

  auto activate = [&](const Activation &act, Value v) -> Value {
    if (clip)
      v = b.create<pc::ClipOp>(l, v, b.getF32FloatAttr(-*clip),
                               b.getF32FloatAttr(*clip));
    if (act.name == "Sigmoid")
      return b.create<pc::SigmoidOp>(l, v);
    if (act.name == "Tanh")
      return b.create<pc::TanhOp>(l, v);
    if (act.name == "Relu")
      return b.create<pc::ReluOp>(l, v);
    if (act.name == "Softplus")
      return b.create<pc::SoftplusOp>(l, v);
    if (act.name == "LeakyRelu")
      return b.create<pc::LeakyReluOp>(l, v, b.getF32FloatAttr(act.alpha));
    return b.create<pc::EluOp>(l, v, b.getF32FloatAttr(act.alpha));
  };
  auto add = [&](Value a, Value c) { return imp.binary<pc::AddOp>(node, a, c); };
  auto mul = [&](Value a, Value c) { return imp.binary<pc::MulOp>(node, a, c); };
  auto cols = [&](Value v, int64_t gate) {
    return imp.sliceAxis(l, v, 1, gate * hidden, hidden);
  };
  /// Direction d of a [dirs, ...] parameter, without the leading dim.
  auto ofDirection = [&](Value v, int64_t d) {
    SmallVector<int64_t> shape(imp.shapeOfValue(v));
    Value s = imp.sliceAxis(l, v, 0, d, 1);
    return imp.reshape(l, s, ArrayRef<int64_t>(shape).drop_front());
  };
  /// Direction d of an initial state as [batch, hidden].
  auto stateOf = [&](Value v, int64_t d) -> Value {
    if (!v)
      return Value();
    return imp.reshape(l, imp.sliceAxis(l, v, layout ? 1 : 0, d, 1), {batch, hidden});
  };

  // All time steps' inputs as rows: t*batch + n (layout 0) or n*steps + t.
  Value rows = imp.reshape(l, x, {steps * batch, inSize});
  SmallVector<SmallVector<Value>> hs(dirs), finalC(dirs);
  SmallVector<Value> lastH(dirs), lastC(dirs);
  for (int64_t d = 0; d < dirs; ++d) {
    const Activation &f = acts[d * perDir];
    Value wd = ofDirection(w, d), rd = ofDirection(r, d);
    Value xw = b.create<pc::MatMulOp>(
        l, RankedTensorType::get({steps * batch, gh}, b.getF32Type()), rows, wd,
        false, true);
    Value recurrentBiasH; // GRU with linear_before_reset: Rb of the h gate
    if (bias) {
      Value bd = ofDirection(*bias, d);
      Value wb = imp.sliceAxis(l, bd, 0, 0, gh), rb = imp.sliceAxis(l, bd, 0, gh, gh);
      if (cell == Cell::GRU && linearBeforeReset) {
        recurrentBiasH = imp.sliceAxis(l, rb, 0, 2 * hidden, hidden);
        rb = b.create<pc::ConcatOp>(
            l, RankedTensorType::get({gh}, b.getF32Type()),
            ValueRange{imp.sliceAxis(l, rb, 0, 0, 2 * hidden),
                       imp.denseConstant(l, {hidden},
                                     std::vector<float>(hidden, 0.0f))},
            b.getI64IntegerAttr(0));
      }
      xw = add(xw, add(wb, rb));
    }
    Value h = stateOf(h0, d), c = stateOf(c0, d);
    Value pi, po, pf;
    if (peep) {
      Value pd = ofDirection(*peep, d);
      pi = imp.sliceAxis(l, pd, 0, 0, hidden);
      po = imp.sliceAxis(l, pd, 0, hidden, hidden);
      pf = imp.sliceAxis(l, pd, 0, 2 * hidden, hidden);
    }
    hs[d].assign(steps, Value());
    bool reverse = direction == "reverse" || d == 1;
    for (int64_t k = 0; k < steps; ++k) {
      int64_t t = reverse ? steps - 1 - k : k;
      SmallVector<int64_t> start = {layout ? t : t * batch, 0};
      SmallVector<int64_t> step = {layout ? steps : 1, 1};
      Value xt = imp.slice(l, xw, start, step, {batch, gh});
      Value hr; // h R^T, all gates
      if (h)
        hr = b.create<pc::MatMulOp>(
            l, RankedTensorType::get({batch, gh}, b.getF32Type()), h, rd, false,
            true);
      Value pre = hr ? add(xt, hr) : xt;
      if (cell == Cell::RNN) {
        h = activate(f, pre);
      } else if (cell == Cell::GRU) {
        const Activation &g = acts[d * perDir + 1];
        Value z = activate(f, cols(pre, 0)), rg = activate(f, cols(pre, 1));
        Value candidate;
        if (linearBeforeReset) {
          Value rh = hr ? cols(hr, 2) : Value();
          if (recurrentBiasH)
            rh = rh ? add(rh, recurrentBiasH) : recurrentBiasH;
          candidate = rh ? add(cols(xt, 2), mul(rg, rh)) : cols(xt, 2);
        } else if (h) {
          Value rhh = mul(rg, h);
          Value rdh = imp.sliceAxis(l, rd, 0, 2 * hidden, hidden);
          candidate = add(cols(xt, 2),
                          b.create<pc::MatMulOp>(
                              l, RankedTensorType::get({batch, hidden},
                                                       b.getF32Type()),
                              rhh, rdh, false, true));
        } else {
          candidate = cols(xt, 2);
        }
        Value ht = activate(g, candidate);
        // (1 - z) * ht + z * h = ht + z * (h - ht)
        h = h ? add(ht, mul(z, imp.binary<pc::SubOp>(node, h, ht))) : mul(
                    imp.binary<pc::SubOp>(node, imp.scalarConstant(l, 1.0f), z), ht);
      } else {
        const Activation &g = acts[d * perDir + 1], &hAct = acts[d * perDir + 2];
        Value preI = cols(pre, 0), preO = cols(pre, 1), preF = cols(pre, 2),
              preC = cols(pre, 3);
        if (peep && c) {
          preI = add(preI, mul(pi, c));
          preF = add(preF, mul(pf, c));
        }
        Value it = activate(f, preI), ct = activate(g, preC);
        Value ic = mul(it, ct);
        if (c) {
          Value ft = activate(f, preF);
          c = add(mul(ft, c), ic);
        } else {
          c = ic;
        }
        if (peep)
          preO = add(preO, mul(po, c));
        Value ot = activate(f, preO);
        h = mul(ot, activate(hAct, c));
      }
      hs[d][t] = h;
    }
    lastH[d] = h;
    lastC[d] = c;
  }

  auto concat = [&](ArrayRef<Value> parts, int64_t axis) -> Value {
    if (parts.size() == 1)
      return parts[0];
    SmallVector<int64_t> shape(imp.shapeOfValue(parts[0]));
    shape[axis] *= parts.size();
    return b.create<pc::ConcatOp>(l, RankedTensorType::get(shape, b.getF32Type()),
                                  parts, b.getI64IntegerAttr(axis));
  };
  // Y: [steps, dirs, batch, hidden] or [batch, steps, dirs, hidden].
  if (imp.wantsOutput(node, 0)) {
    SmallVector<Value> perStep;
    for (int64_t t = 0; t < steps; ++t) {
      SmallVector<Value> perDirection;
      for (int64_t d = 0; d < dirs; ++d)
        perDirection.push_back(
            layout ? imp.reshape(l, hs[d][t], {batch, 1, 1, hidden})
                   : imp.reshape(l, hs[d][t], {1, 1, batch, hidden}));
      perStep.push_back(concat(perDirection, layout ? 2 : 1));
    }
    imp.defineOutput(node, 0, concat(perStep, layout ? 1 : 0));
  }
  // Y_h, Y_c: [dirs, batch, hidden] or [batch, dirs, hidden].
  auto finalState = [&](ArrayRef<Value> last) {
    SmallVector<Value> parts;
    for (Value v : last)
      parts.push_back(layout ? imp.reshape(l, v, {batch, 1, hidden})
                             : imp.reshape(l, v, {1, batch, hidden}));
    return concat(parts, layout ? 1 : 0);
  };
  if (imp.wantsOutput(node, 1))
    imp.defineOutput(node, 1, finalState(lastH));
  if (cell == Cell::LSTM && imp.wantsOutput(node, 2))
    imp.defineOutput(node, 2, finalState(lastC));
}

void pcc::detail::registerRecurrentOps(OpRegistry &r) {
  // sequence_lens (input 4) must be known: only the full length is supported.
  for (StringRef name : {"RNN", "GRU", "LSTM"})
    r.add(name, {importRecurrent, nullptr, {4}});
}
