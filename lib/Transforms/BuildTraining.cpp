//===- BuildTraining.cpp - relaxation loop and local learning rules -------===//
//
// Builds `pcc_predict` and `pcc_train` from the noded graph. Everything that
// differentiates goes through LocalDerivativeOpInterface; this file knows no
// op but the pc structural ones.
//
//===----------------------------------------------------------------------===//
#include "GraphInfo.h"
#include "pc/PCOps.h"
#include "pcc/Training.h"
#include "pcc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::pc {
#define GEN_PASS_DEF_PCBUILDTRAINING
#include "pcc/Transforms/Passes.h.inc"
} // namespace mlir::pc

using namespace mlir;
using namespace mlir::pc;

namespace {

using pcc::Algorithm;
/// Equilibrium-propagation style estimates (Millidge et al. 2022): the
/// output error scaled by beta (a run-time argument), the parameter update
/// divided by it.
using pcc::NudgeMode;
/// The optimizer ipc applies inside the relaxation loop.
using pcc::Optimizer;

/// How an algorithm trains, as the builders read it: whether it relaxes,
/// what its loop carries, how a step drives a vertex, when the parameters
/// move. One row per algorithm; nothing else in this file asks which
/// algorithm it builds.
struct Relaxation {
  /// false: bp, reverse-mode differentiation in one sweep.
  bool relaxes = true;
  /// fpa, zil: predictions and Jacobians held at their forward values.
  bool holdsPredictions = false;
  /// The loop state is each vertex's error (fpa, zil: the deviation from
  /// the forward pass, which is the error there; epc: its free variables),
  /// not its value (il, ipc).
  bool carriesErrors = false;
  /// epc: the values follow from the errors (x = mu + eps) and a step's
  /// drive is the output error back-propagated through them in one sweep.
  bool valuesFromErrors = false;
  /// zil: rate 1 for exactly as many steps as the graph is deep.
  bool runsDepthSteps = false;
  /// ipc: an optimizer step of the parameters at every inference step.
  bool stepsParameters = false;
};

Relaxation relaxationOf(Algorithm algorithm) {
  Relaxation r;
  switch (algorithm) {
  case Algorithm::IL:
    break;
  case Algorithm::FPA:
    r.holdsPredictions = r.carriesErrors = true;
    break;
  case Algorithm::ZIL:
    r.holdsPredictions = r.carriesErrors = r.runsDepthSteps = true;
    break;
  case Algorithm::BP:
    r.relaxes = false;
    break;
  case Algorithm::EPC:
    r.carriesErrors = r.valuesFromErrors = true;
    break;
  case Algorithm::IPC:
    r.stepsParameters = true;
    break;
  }
  return r;
}

/// Accumulates sums of tensors keyed by a value of the original graph.
class Accumulator {
public:
  void add(OpBuilder &b, Location loc, Value key, Value term) {
    Value &slot = sums[key];
    slot = slot ? b.create<AddOp>(loc, slot.getType(), slot, term).getResult()
                : term;
  }
  Value lookup(Value key) const { return sums.lookup(key); }

private:
  llvm::DenseMap<Value, Value> sums;
};

class TrainingBuilder {
public:
  TrainingBuilder(const GraphInfo &info, Algorithm algorithm, LossKind loss,
                  LossReduction reduction, NudgeMode nudgeMode,
                  bool reverseSweep, Optimizer optimizer)
      : info(info), algorithm(algorithm), rule(relaxationOf(algorithm)),
        loss(loss), reduction(reduction), nudgeMode(nudgeMode),
        reverseSweep(reverseSweep), optimizer(optimizer),
        graphLoc(func::FuncOp(info.func).getLoc()) {
    for (Operation *v : info.vertices) {
      if (v == info.outputVertex)
        continue;
      for (Operation *user : v->getResult(0).getUsers())
        if (auto value = dyn_cast<ValueOp>(user))
          valueNode[v] = value;
    }
    for (Operation *v : info.vertices)
      if (valueNode.count(v))
        hidden.push_back(v);
  }

  void buildPredict(OpBuilder &b);
  LogicalResult buildTrain(OpBuilder &b);
  LogicalResult buildIncrementalTrain(OpBuilder &b);
  LogicalResult buildQuery(OpBuilder &b);

private:
  Location loc() const { return graphLoc; }

  bool isInput(Value v) const {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && llvm::is_contained(info.inputs, arg);
  }

  /// The ONNX tensor name of a vertex's result, when the importer gave it
  /// one (NameLoc(tensor, NameLoc(node))); empty otherwise.
  static StringRef tensorName(Operation *v) {
    auto name = dyn_cast<NameLoc>(v->getLoc());
    if (!name || !isa<NameLoc>(name.getChildLoc()))
      return {};
    return name.getName().getValue();
  }

  /// The vertex whose value node is `v`, or null.
  Operation *vertexOfValue(Value v) const {
    if (auto value = v.getDefiningOp<ValueOp>())
      return value.getPrediction().getDefiningOp();
    return nullptr;
  }

  /// For active op `orig` evaluated as `inst` (whose operands are the
  /// current values), with `cotangent` its error (a vertex) or the adjoint
  /// gathered at its result (wiring), adds J^T cotangent to each operand's
  /// accumulator: hidden parents in `toValues` (when given), wiring in
  /// `toWiring`, parameters and parameter expressions in `toParams` (when
  /// given).
  void propagateOp(OpBuilder &b, Operation *orig, Operation *inst,
                   Value cotangent, Accumulator *toValues,
                   Accumulator &toWiring, Accumulator *toParams,
                   Accumulator *toInputs) {
    auto iface = cast<LocalDerivativeOpInterface>(inst);
    for (auto [index, operand] : llvm::enumerate(orig->getOperands())) {
      if (Operation *parent = vertexOfValue(operand)) {
        if (toValues)
          toValues->add(b, loc(), parent->getResult(0),
                        iface.buildOperandVJP(b, index, cotangent));
        continue;
      }
      Operation *def = operand.getDefiningOp();
      if (def && info.isWiring(def)) {
        toWiring.add(b, loc(), operand,
                     iface.buildOperandVJP(b, index, cotangent));
        continue;
      }
      if (toInputs && isInput(operand)) {
        toInputs->add(b, loc(), operand,
                      iface.buildOperandVJP(b, index, cotangent));
        continue;
      }
      // Clamped inputs, constants, state and frozen parameters learn
      // nothing.
      if (!toParams || !info.trainable.contains(operand))
        continue;
      toParams->add(b, loc(), operand,
                    iface.buildOperandVJP(b, index, cotangent));
    }
  }

  /// Sends the error `epsOf(v)` of every vertex back through its local
  /// Jacobians, and on through the wiring between vertices, in reverse
  /// topological order (see propagateOp). Wiring adjoints that lead only to
  /// clamped inputs are left dead for the canonicalizer.
  void propagateAll(OpBuilder &b,
                    llvm::function_ref<Operation *(Operation *)> instOf,
                    llvm::function_ref<Value(Operation *)> epsOf,
                    Accumulator *toValues, Accumulator *toParams,
                    Accumulator *toInputs = nullptr) {
    Accumulator wiringAdjoint;
    for (Operation *op : llvm::reverse(info.activeOps)) {
      Value cotangent = info.isWiring(op)
                            ? wiringAdjoint.lookup(op->getResult(0))
                            : epsOf(op);
      if (cotangent)
        propagateOp(b, op, instOf(op), cotangent, toValues, wiringAdjoint,
                    toParams, toInputs);
    }
  }

  /// Back-propagates parameter-expression adjoints to the parameters and
  /// returns -adjoint (the gradient estimate) for every parameter (zero for
  /// frozen ones). Fails on an op without local derivatives on the way.
  FailureOr<SmallVector<Value>> parameterGradients(OpBuilder &b,
                                                   Accumulator &adj,
                                                   const IRMapping &fwd) {
    for (Operation *op : llvm::reverse(info.paramExprs)) {
      if (op->getNumResults() != 1)
        continue;
      Value a = adj.lookup(op->getResult(0));
      if (!a)
        continue;
      auto iface = dyn_cast<LocalDerivativeOpInterface>(fwd.lookup(op));
      if (!iface)
        return op->emitOpError("is on the gradient path of a parameter but "
                               "has no local derivatives");
      for (auto [index, operand] : llvm::enumerate(op->getOperands()))
        if (info.trainable.contains(operand))
          adj.add(b, loc(), operand, iface.buildOperandVJP(b, index, a));
    }
    SmallVector<Value> grads;
    for (BlockArgument p : info.params) {
      Value a = adj.lookup(p);
      if (a) {
        grads.push_back(b.create<NegOp>(loc(), a));
        continue;
      }
      grads.push_back(splat(b, p.getType(), 0.0f));
    }
    return grads;
  }

  /// `v` times the scalar tensor `factor`; `v` itself when either is null.
  Value scaled(OpBuilder &b, Value v, Value factor) {
    if (!v || !factor)
      return v;
    return b.create<MulOp>(loc(), v.getType(), factor, v);
  }

  /// A constant tensor of type `type` with every element `value`.
  Value splat(OpBuilder &b, Type type, float value) {
    return b.create<arith::ConstantOp>(
        loc(), DenseElementsAttr::get(cast<RankedTensorType>(type),
                                      b.getF32FloatAttr(value)));
  }

  /// The graph's depth: the longest distance of a vertex to the output,
  /// counted in vertices (wiring is free; at least 1).
  int64_t depth() const {
    // For a vertex: hops to the output; for wiring: the hops of the value it
    // carries, counted from its consumers. -1: does not reach the output.
    llvm::DenseMap<Operation *, int64_t> dist;
    int64_t depth = 1;
    for (Operation *op : llvm::reverse(info.activeOps)) {
      if (op == info.outputVertex) {
        dist[op] = 0;
        continue;
      }
      Value carried = op->getResult(0);
      if (!info.isWiring(op)) {
        auto it = valueNode.find(op);
        carried = it == valueNode.end() ? Value() : it->second->getResult(0);
      }
      int64_t best = -1;
      if (carried)
        for (Operation *user : carried.getUsers()) {
          auto it = dist.find(user);
          if (it != dist.end() && it->second >= 0)
            best = std::max(best,
                            it->second + (info.isWiring(user) ? 0 : 1));
        }
      dist[op] = best;
      if (!info.isWiring(op))
        depth = std::max(depth, best);
    }
    return depth;
  }

  /// The state after a training step: every stateful op's update of its
  /// state operands from the forward pass; unchanged state otherwise.
  FailureOr<SmallVector<Value>> stateUpdates(OpBuilder &b,
                                             const IRMapping &fwd) {
    llvm::DenseMap<Value, Value> updated;
    func::FuncOp graph = info.func;
    for (Operation &op : graph.getBody().front()) {
      auto stateful = dyn_cast<StatefulOpInterface>(&op);
      if (!stateful)
        continue;
      auto inst = cast<StatefulOpInterface>(fwd.lookup(op.getResult(0))
                                                .getDefiningOp());
      SmallVector<Value> next = inst.buildStateUpdates(b);
      for (auto [state, value] : llvm::zip(stateful.getStateOperands(), next)) {
        auto arg = dyn_cast<BlockArgument>(state);
        if (!arg || argRole(graph, arg.getArgNumber()) != "state")
          return op.emitOpError("state operand must be an argument of role "
                                "'state'");
        if (!updated.try_emplace(arg, value).second)
          return op.emitOpError("updates state that another op updates too");
      }
    }
    SmallVector<Value> states;
    for (BlockArgument s : info.states) {
      Value v = updated.lookup(s);
      states.push_back(v ? v : fwd.lookup(s));
    }
    return states;
  }

  Value halfSqNorm(OpBuilder &b, Value v) {
    return b.create<HalfSqNormOp>(loc(),
                                  RankedTensorType::get({}, b.getF32Type()), v);
  }
  /// il's predictions: a clone of every active op at the values `map`
  /// gives (value nodes mapped to the carried values), recorded in `inst`.
  void clonePredictions(OpBuilder &b, IRMapping &map,
                        llvm::DenseMap<Operation *, Operation *> &inst) {
    for (Operation *op : info.activeOps) {
      Operation *i = b.clone(*op, map);
      i->removeAttr("pc.vertex");
      i->removeAttr("pc.output");
      map.map(op->getResult(0), i->getResult(0));
      inst[op] = i;
    }
  }
  /// epc's values: the forward pass again with every hidden vertex's value
  /// its prediction plus its error `errorOf(v)` (Goemaere et al. 2025: the
  /// errors are the free variables, the values follow from them), so an
  /// error reaches the output in one sweep. Records the instances in `inst`.
  void cloneErrorChain(OpBuilder &b, IRMapping map,
                       const llvm::DenseMap<Operation *, Value> &errorOf,
                       llvm::DenseMap<Operation *, Operation *> &inst) {
    for (Operation *op : info.activeOps) {
      Operation *i = b.clone(*op, map);
      i->removeAttr("pc.vertex");
      i->removeAttr("pc.output");
      map.map(op->getResult(0), i->getResult(0));
      inst[op] = i;
      if (Value e = errorOf.lookup(op)) {
        Value mu = i->getResult(0);
        map.map(valueNode[op].getResult(),
                b.create<AddOp>(loc(), mu.getType(), mu, e).getResult());
      }
    }
  }
  /// -dF/dx of a hidden value node: its children's drive sum_k J_k^T eps_k
  /// (null when nothing reads it) minus its own error.
  Value valueDrift(OpBuilder &b, Value drive, Value eps) {
    return drive
               ? b.create<SubOp>(loc(), drive.getType(), drive, eps).getResult()
               : b.create<NegOp>(loc(), eps).getResult();
  }
  /// Elementwise x op y, either of them possibly a scalar tensor.
  template <typename OpT> Value binary(OpBuilder &b, Value x, Value y) {
    bool scalarX = cast<RankedTensorType>(x.getType()).getRank() == 0;
    return b.create<OpT>(loc(), scalarX ? y.getType() : x.getType(), x, y);
  }
  Value add(OpBuilder &b, Value x, Value y) { return binary<AddOp>(b, x, y); }
  Value sub(OpBuilder &b, Value x, Value y) { return binary<SubOp>(b, x, y); }
  Value mul(OpBuilder &b, Value x, Value y) { return binary<MulOp>(b, x, y); }
  Value div(OpBuilder &b, Value x, Value y) { return binary<DivOp>(b, x, y); }
  Value mulBy(OpBuilder &b, Value x, float factor) {
    return mul(b, splat(b, RankedTensorType::get({}, b.getF32Type()), factor),
               x);
  }

  /// Adam's constants, as the runtime's (lib/Runtime/Optimizers.c).
  static constexpr float kAdamBeta1 = 0.9f, kAdamBeta2 = 0.999f,
                         kAdamEpsilon = 1e-8f;
  /// One Adam step (Kingma & Ba; bias-corrected as torch.optim.Adam) of
  /// parameter `p` with moments `m`, `v` along the gradient `g`, where
  /// `beta1Power`, `beta2Power` are beta^t of this step t; appends the new
  /// p, m and v in that order. Three elementwise passes over the parameter;
  /// the bias corrections are scalars.
  void appendAdamStep(OpBuilder &b, Value p, Value m, Value v, Value g,
                      Value learningRate, Value beta1Power, Value beta2Power,
                      SmallVectorImpl<Value> &out) {
    auto c = [&](float x) { return splat(b, learningRate.getType(), x); };
    Value m1 = b.create<MovingAverageOp>(loc(), m.getType(), m, g,
                                         b.getF32FloatAttr(kAdamBeta1),
                                         /*squared=*/UnitAttr());
    Value v1 = b.create<MovingAverageOp>(loc(), v.getType(), v, g,
                                         b.getF32FloatAttr(kAdamBeta2),
                                         /*squared=*/b.getUnitAttr());
    Value stepSize = div(b, learningRate, sub(b, c(1.0f), beta1Power));
    Value correction = b.create<SqrtOp>(loc(), sub(b, c(1.0f), beta2Power));
    out.push_back(b.create<AdamUpdateOp>(loc(), p.getType(), p, m1, v1,
                                         stepSize, correction,
                                         b.getF32FloatAttr(kAdamEpsilon)));
    out.push_back(m1);
    out.push_back(v1);
  }

  Value addScalars(OpBuilder &b, Value a, Value c) {
    return b.create<AddOp>(loc(), a.getType(), a, c);
  }
  Value lossOf(OpBuilder &b, Value output, Value target) {
    return b.create<LossOp>(loc(), RankedTensorType::get({}, b.getF32Type()),
                            output, target, loss, reduction);
  }
  Value lossErrorOf(OpBuilder &b, Value output, Value target) {
    return b.create<LossErrorOp>(loc(), output.getType(), output, target, loss,
                                 reduction);
  }

  const GraphInfo &info;
  Algorithm algorithm;
  Relaxation rule;
  LossKind loss;
  LossReduction reduction;
  NudgeMode nudgeMode;
  /// fpa: update the vertices in reverse topological order within a step.
  bool reverseSweep;
  Optimizer optimizer;
  Location graphLoc;
  llvm::DenseMap<Operation *, ValueOp> valueNode;
  SmallVector<Operation *> hidden;
};

} // namespace

/// Clones the parameter expressions and the forward pass into the current
/// block; maps value nodes to their predictions (forward initialisation).
/// `predicting` builds the prediction form of stateful ops (batch norm with
/// its running estimates).
static void cloneForward(OpBuilder &b, const GraphInfo &info, IRMapping &map,
                         bool predicting) {
  func::FuncOp graph = info.func;
  for (Operation &op : graph.getBody().front().without_terminator()) {
    if (auto value = dyn_cast<ValueOp>(op)) {
      map.map(value.getResult(), map.lookup(value.getPrediction()));
      continue;
    }
    if (isa<ErrorOp>(op))
      continue;
    Operation *clone = b.clone(op, map);
    clone->removeAttr("pc.vertex");
    clone->removeAttr("pc.output");
    auto stateful = dyn_cast<StatefulOpInterface>(clone);
    if (!predicting || !stateful)
      continue;
    Value v = stateful.buildInferenceForm(b);
    map.map(op.getResult(0), v);
    clone->erase();
  }
}

/// The arguments of an entry function, in order, and where the graph's
/// arguments went.
static void mapArgs(IRMapping &map, ArrayRef<BlockArgument> graphArgs,
                    Block *entry, unsigned &next) {
  for (BlockArgument a : graphArgs)
    map.map(a, entry->getArgument(next++));
}

void TrainingBuilder::buildPredict(OpBuilder &b) {
  SmallVector<Type> args;
  for (auto group : {ArrayRef(info.inputs), ArrayRef(info.params),
                     ArrayRef(info.states)})
    for (BlockArgument a : group)
      args.push_back(a.getType());
  Value out = info.outputVertex->getResult(0);
  auto func = b.create<func::FuncOp>(
      loc(), "pcc_predict", b.getFunctionType(args, {out.getType()}));
  func->setAttr("pc.entry", b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping map;
  unsigned n = 0;
  mapArgs(map, info.inputs, entry, n);
  mapArgs(map, info.params, entry, n);
  mapArgs(map, info.states, entry, n);
  cloneForward(b, info, map, /*predicting=*/true);
  b.create<func::ReturnOp>(loc(), map.lookup(out));
}

LogicalResult TrainingBuilder::buildTrain(OpBuilder &b) {
  Value out = info.outputVertex->getResult(0);
  auto outType = cast<RankedTensorType>(out.getType());
  auto scalarType = RankedTensorType::get({}, b.getF32Type());
  SmallVector<Type> args, results;
  for (BlockArgument a : info.inputs)
    args.push_back(a.getType());
  args.push_back(outType); // target
  for (BlockArgument p : info.params) {
    args.push_back(p.getType());
    results.push_back(p.getType()); // gradient
  }
  for (BlockArgument s : info.states) {
    args.push_back(s.getType());
    results.push_back(s.getType()); // state after the step
  }
  args.push_back(b.getIndexType()); // inference steps
  args.push_back(b.getF32Type());   // inference rate
  args.push_back(b.getF32Type());   // nudge beta (unused unless nudged)
  results.push_back(scalarType);    // loss at the forward pass
  results.push_back(scalarType);    // energy after relaxation
  auto func = b.create<func::FuncOp>(loc(), "pcc_train",
                                     b.getFunctionType(args, results));
  func->setAttr("pc.entry", b.getUnitAttr());
  func->setAttr("pc.algorithm", b.getStringAttr(pcc::nameOf(algorithm)));
  OpBuilder::InsertionGuard guard(b);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping fwd;
  unsigned n = 0;
  mapArgs(fwd, info.inputs, entry, n);
  Value target = entry->getArgument(n++);
  mapArgs(fwd, info.params, entry, n);
  mapArgs(fwd, info.states, entry, n);
  Value steps = entry->getArgument(n++);
  Value rate = entry->getArgument(n++);
  Value nudge = entry->getArgument(n++);
  func->setAttr("pc.depth", b.getI64IntegerAttr(depth()));

  cloneForward(b, info, fwd, /*predicting=*/false);
  FailureOr<SmallVector<Value>> newStates = stateUpdates(b, fwd);
  if (failed(newStates))
    return failure();
  auto fwdInst = [&](Operation *v) { return fwd.lookup(v->getResult(0)).getDefiningOp(); };
  Value muOut0 = fwd.lookup(out);
  Value loss0 = lossOf(b, muOut0, target);
  auto outputError = [&](Value muOut) -> Value {
    return lossErrorOf(b, muOut, target);
  };

  Accumulator paramAdj;
  Value energy;

  if (!rule.relaxes) {
    // Reverse-mode differentiation: eps is the negative adjoint.
    Accumulator eps;
    eps.add(b, loc(), out, outputError(muOut0));
    propagateAll(
        b, fwdInst, [&](Operation *v) { return eps.lookup(v->getResult(0)); },
        &eps, &paramAdj);
    energy = loss0;
    func->setAttr("pc.fixed_steps", b.getI64IntegerAttr(-1));
  } else {
    // il / fpa / zil: `steps` rounds of x += rate * (-eps + sum_k J^T eps_k).
    // zil is fpa at rate 1 for exactly `depth` rounds (the longest distance
    // to the output): with predictions held at their forward values each
    // error then equals the back-propagated gradient from round dist(v) on
    // and stays there, so taking every vertex's parameter update after the
    // last round is the same as taking it at round dist(v). The loop keeps
    // the code size linear in the graph, where unrolling is quadratic.
    if (rule.runsDepthSteps) {
      int64_t rounds = depth();
      func->setAttr("pc.fixed_steps", b.getI64IntegerAttr(rounds));
      steps = b.create<arith::ConstantIndexOp>(loc(), rounds);
      rate = b.create<arith::ConstantOp>(loc(), b.getF32FloatAttr(1.0f));
    }
    // What the loop carries for every hidden vertex. fpa and zil hold the
    // predictions, so they carry each value node as its deviation from the
    // forward pass (zero at the start), which is then the error itself: in
    // float32 an error far below the prediction would keep only the bits
    // that fit beside it in x = mu + eps. epc carries the errors too, as its
    // free variables. il recomputes the predictions from the values and
    // carries the values (forward initialisation), with eps = x - mu; its
    // errors are differences of recomputed predictions either way.
    bool heldPredictions = rule.holdsPredictions;
    bool carriesErrors = rule.carriesErrors;
    Value rateTensor =
        b.create<tensor::FromElementsOp>(loc(), scalarType, ValueRange{rate});
    SmallVector<Value> init;
    for (Operation *v : hidden)
      init.push_back(carriesErrors ? splat(b, v->getResult(0).getType(), 0.0f)
                                   : fwd.lookup(v->getResult(0)));
    Value zero = b.create<arith::ConstantIndexOp>(loc(), 0);
    Value one = b.create<arith::ConstantIndexOp>(loc(), 1);

    // Evaluates every vertex at the carried state `cur`: for il a fresh
    // clone of the vertex op at the current values, with eps = x - mu; for
    // fpa the forward op, with eps = the carried deviation; for epc the
    // forward chain with x = mu + eps, eps carried. Returns the instances
    // and errors.
    auto evaluate = [&](OpBuilder &b, ValueRange cur, Value outputScale,
                        llvm::DenseMap<Operation *, Operation *> &inst,
                        llvm::DenseMap<Operation *, Value> &eps) {
      if (heldPredictions) {
        for (Operation *op : info.activeOps)
          inst[op] = fwdInst(op);
      } else if (rule.valuesFromErrors) {
        llvm::DenseMap<Operation *, Value> errorOf;
        for (auto [v, e] : llvm::zip(hidden, cur))
          errorOf[v] = e;
        cloneErrorChain(b, fwd, errorOf, inst);
      } else {
        IRMapping map = fwd;
        for (auto [v, x] : llvm::zip(hidden, cur))
          map.map(valueNode[v].getResult(), x);
        clonePredictions(b, map, inst);
      }
      for (auto [v, state] : llvm::zip(hidden, cur))
        eps[v] = carriesErrors
                     ? state
                     : b.create<ErrorOp>(loc(), state, inst[v]->getResult(0))
                           .getResult();
      eps[info.outputVertex] = scaled(
          b, outputError(inst[info.outputVertex]->getResult(0)), outputScale);
    };

    // One relaxation with the output error scaled by `outputScale` (the
    // nudge, a scalar tensor; null: 1, for plain il, fpa and zil), whose
    // equilibrium's parameter adjoints join paramAdj times `gradScale`.
    // Returns the energy there, outputScale * L + sum 1/2 |eps|^2.
    auto relax = [&](Value outputScale, Value gradScale) -> Value {
      auto loop = b.create<scf::ForOp>(
          loc(), zero, steps, one, init,
          [&](OpBuilder &lb, Location, Value, ValueRange cur) {
            llvm::DenseMap<Operation *, Operation *> inst;
            llvm::DenseMap<Operation *, Value> eps;
            evaluate(lb, cur, outputScale, inst, eps);
            // The drive of a hidden value: il, fpa, zil its children's
            // J^T eps (local); epc the back-propagated output error
            // -dL/dx, one reverse sweep (the price of its speed).
            // With the reverse sweep a vertex, reached after all its
            // children, takes its step at once and passes its new error on.
            Accumulator drive;
            llvm::DenseMap<Operation *, Value> swept;
            // x += rate * (-eps + drive), for the carried `state` of `v`.
            auto stepped = [&](Operation *v, Value state) {
              Value d = valueDrift(lb, drive.lookup(v->getResult(0)), eps[v]);
              Value step = lb.create<MulOp>(loc(), d.getType(), rateTensor, d);
              return lb.create<AddOp>(loc(), state.getType(), state, step)
                  .getResult();
            };
            propagateAll(
                lb, [&](Operation *op) { return inst.lookup(op); },
                [&](Operation *v) -> Value {
                  if (v == info.outputVertex)
                    return eps.lookup(v);
                  if (rule.valuesFromErrors)
                    return drive.lookup(v->getResult(0));
                  if (reverseSweep)
                    return swept[v] = stepped(v, eps[v]);
                  return eps.lookup(v);
                },
                &drive, nullptr);
            SmallVector<Value> next;
            for (auto [v, state] : llvm::zip(hidden, cur)) {
              Value s = swept.lookup(v);
              next.push_back(s ? s : stepped(v, state));
            }
            lb.create<scf::YieldOp>(loc(), next);
          });
      llvm::DenseMap<Operation *, Operation *> inst;
      llvm::DenseMap<Operation *, Value> eps;
      evaluate(b, loop.getResults(), outputScale, inst, eps);
      propagateAll(
          b, [&](Operation *op) { return inst.lookup(op); },
          [&](Operation *v) { return scaled(b, eps.lookup(v), gradScale); },
          nullptr, &paramAdj);
      Value e =
          scaled(b, lossOf(b, inst[info.outputVertex]->getResult(0), target),
                 outputScale);
      for (Operation *v : hidden)
        e = addScalars(b, e, halfSqNorm(b, eps[v]));
      return e;
    };
    // `factor * nudge^power` (power +-1) as a scalar tensor.
    auto nudgeScale = [&](float factor, int power) -> Value {
      Value f = b.create<arith::ConstantOp>(loc(), b.getF32FloatAttr(factor));
      Value v = power > 0
                    ? b.create<arith::MulFOp>(loc(), f, nudge).getResult()
                    : b.create<arith::DivFOp>(loc(), f, nudge).getResult();
      return b.create<tensor::FromElementsOp>(loc(), scalarType, ValueRange{v});
    };
    // The nudged estimates: dF_beta/dtheta / beta at the beta-nudged
    // equilibrium tends to the backprop gradient as beta -> 0; the centered
    // one averages the +beta and -beta estimates (error O(beta^2)).
    switch (nudgeMode) {
    case NudgeMode::None:
      energy = relax(Value(), Value());
      break;
    case NudgeMode::Positive:
      energy = relax(nudgeScale(1.0f, 1), nudgeScale(1.0f, -1));
      break;
    case NudgeMode::Negative:
      energy = relax(nudgeScale(-1.0f, 1), nudgeScale(-1.0f, -1));
      break;
    case NudgeMode::Centered:
      energy = relax(nudgeScale(1.0f, 1), nudgeScale(0.5f, -1));
      relax(nudgeScale(-1.0f, 1), nudgeScale(-0.5f, -1));
      break;
    }
  }

  FailureOr<SmallVector<Value>> grads = parameterGradients(b, paramAdj, fwd);
  if (failed(grads))
    return failure();
  SmallVector<Value> rets = *grads;
  rets.append(*newStates);
  rets.push_back(loss0);
  rets.push_back(energy);
  b.create<func::ReturnOp>(loc(), rets);
  return success();
}

/// ipc, incremental predictive coding (Salvatori et al. 2024): il's
/// relaxation in which the parameters also take an optimizer step at every
/// inference step, along the gradient at the state the step starts from.
/// The loop carries the values, the trainable parameters and (Adam) their
/// moments and the powers beta^t of the bias correction, so the optimizer
/// is built here, as the runtime's (torch.optim.Adam's arithmetic).
/// Arguments: pcc_train's, then every parameter's first and second moments,
/// the learning rate and beta1^t, beta2^t at the optimizer step before the
/// call. Results: the parameters, first and second moments after the steps,
/// the states, the loss at the forward pass and the energy at the end.
LogicalResult TrainingBuilder::buildIncrementalTrain(OpBuilder &b) {
  Value out = info.outputVertex->getResult(0);
  auto outType = cast<RankedTensorType>(out.getType());
  auto scalarType = RankedTensorType::get({}, b.getF32Type());
  SmallVector<Type> args, results;
  for (BlockArgument a : info.inputs)
    args.push_back(a.getType());
  args.push_back(outType); // target
  for (auto group : {ArrayRef(info.params), ArrayRef(info.states),
                     ArrayRef(info.params), ArrayRef(info.params)})
    for (BlockArgument a : group)
      args.push_back(a.getType());  // params, states, moments, second moments
  args.push_back(b.getIndexType()); // inference steps
  for (int i = 0; i < 5; ++i)       // rate, nudge, learning rate, b1^t, b2^t
    args.push_back(b.getF32Type());
  for (auto group : {ArrayRef(info.params), ArrayRef(info.params),
                     ArrayRef(info.params), ArrayRef(info.states)})
    for (BlockArgument a : group)
      results.push_back(a.getType());
  results.push_back(scalarType); // loss at the forward pass
  results.push_back(scalarType); // energy after relaxation
  auto func = b.create<func::FuncOp>(loc(), "pcc_train",
                                     b.getFunctionType(args, results));
  func->setAttr("pc.entry", b.getUnitAttr());
  func->setAttr("pc.algorithm", b.getStringAttr(pcc::nameOf(algorithm)));
  func->setAttr("pc.depth", b.getI64IntegerAttr(depth()));
  OpBuilder::InsertionGuard guard(b);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping fwd;
  unsigned n = 0;
  mapArgs(fwd, info.inputs, entry, n);
  Value target = entry->getArgument(n++);
  mapArgs(fwd, info.params, entry, n);
  mapArgs(fwd, info.states, entry, n);
  SmallVector<Value> moments, secondMoments;
  for (size_t i = 0; i < info.params.size(); ++i)
    moments.push_back(entry->getArgument(n++));
  for (size_t i = 0; i < info.params.size(); ++i)
    secondMoments.push_back(entry->getArgument(n++));
  Value steps = entry->getArgument(n++);
  auto scalarArg = [&]() -> Value {
    return b.create<tensor::FromElementsOp>(
        loc(), scalarType, ValueRange{entry->getArgument(n++)});
  };
  Value rate = scalarArg();
  Value nudge = scalarArg();
  Value learningRate = scalarArg();
  Value beta1Power = scalarArg();
  Value beta2Power = scalarArg();

  cloneForward(b, info, fwd, /*predicting=*/false);
  FailureOr<SmallVector<Value>> newStates = stateUpdates(b, fwd);
  if (failed(newStates))
    return failure();
  Value loss0 = lossOf(b, fwd.lookup(out), target);
  // The nudge scales the output error and divides the gradient.
  Value outputScale, gradScale;
  if (nudgeMode != NudgeMode::None) {
    Value sign =
        splat(b, scalarType, nudgeMode == NudgeMode::Negative ? -1.0f : 1.0f);
    outputScale = b.create<MulOp>(loc(), scalarType, sign, nudge);
    gradScale = b.create<DivOp>(loc(), scalarType, splat(b, scalarType, 1.0f),
                                outputScale);
  }

  SmallVector<unsigned> learned; // indices of the trainable parameters
  for (auto [i, p] : llvm::enumerate(info.params))
    if (info.trainable.contains(p))
      learned.push_back(i);
  bool adam = optimizer == Optimizer::Adam;
  // Carried: hidden values, then per learned parameter its value (and Adam
  // moments), then (Adam) beta1^t and beta2^t.
  SmallVector<Value> init;
  for (Operation *v : hidden)
    init.push_back(fwd.lookup(v->getResult(0)));
  for (unsigned i : learned) {
    init.push_back(fwd.lookup(info.params[i]));
    if (adam) {
      init.push_back(moments[i]);
      init.push_back(secondMoments[i]);
    }
  }
  if (adam) {
    init.push_back(beta1Power);
    init.push_back(beta2Power);
  }
  size_t perParam = adam ? 3 : 1;

  // Every vertex evaluated at the values and parameters `cur` holds: the
  // parameter expressions and predictions cloned, eps = x - mu.
  struct Evaluation {
    IRMapping map;
    llvm::DenseMap<Operation *, Operation *> inst;
    llvm::DenseMap<Operation *, Value> eps;
  };
  auto evaluate = [&](OpBuilder &b, ValueRange cur) {
    Evaluation e;
    e.map = fwd;
    for (auto [k, i] : llvm::enumerate(learned))
      e.map.map(info.params[i], cur[hidden.size() + k * perParam]);
    for (Operation *op : info.paramExprs)
      b.clone(*op, e.map);
    for (auto [v, x] : llvm::zip(hidden, cur))
      e.map.map(valueNode[v].getResult(), x);
    clonePredictions(b, e.map, e.inst);
    for (auto [v, x] : llvm::zip(hidden, cur))
      e.eps[v] = b.create<ErrorOp>(loc(), x, e.inst[v]->getResult(0));
    e.eps[info.outputVertex] = scaled(
        b, lossErrorOf(b, e.inst[info.outputVertex]->getResult(0), target),
        outputScale);
    return e;
  };
  Value zero = b.create<arith::ConstantIndexOp>(loc(), 0);
  Value one = b.create<arith::ConstantIndexOp>(loc(), 1);
  bool failedGradients = false;
  auto loop = b.create<scf::ForOp>(
      loc(), zero, steps, one, init,
      [&](OpBuilder &lb, Location, Value, ValueRange cur) {
        Evaluation e = evaluate(lb, cur);
        Accumulator drive, paramAdj;
        propagateAll(
            lb, [&](Operation *op) { return e.inst.lookup(op); },
            [&](Operation *v) { return e.eps.lookup(v); }, &drive, &paramAdj);
        FailureOr<SmallVector<Value>> grads =
            parameterGradients(lb, paramAdj, e.map);
        SmallVector<Value> next;
        for (auto [v, x] : llvm::zip(hidden, cur)) {
          Value d = valueDrift(lb, drive.lookup(v->getResult(0)), e.eps[v]);
          Value step = lb.create<MulOp>(loc(), d.getType(), rate, d);
          next.push_back(lb.create<AddOp>(loc(), x.getType(), x, step));
        }
        ValueRange carried = cur.drop_front(hidden.size());
        Value b1Power, b2Power;
        if (adam) {
          b1Power = mulBy(lb, carried.take_back(2)[0], kAdamBeta1);
          b2Power = mulBy(lb, carried.take_back(2)[1], kAdamBeta2);
        }
        for (auto [k, i] : llvm::enumerate(learned)) {
          // A failure was reported on the op; the loop body is dropped
          // with the function.
          Value g = succeeded(grads) ? scaled(lb, (*grads)[i], gradScale)
                                     : splat(lb, info.params[i].getType(), 0);
          ValueRange state = carried.slice(k * perParam, perParam);
          if (adam)
            appendAdamStep(lb, state[0], state[1], state[2], g, learningRate,
                           b1Power, b2Power, next);
          else
            next.push_back(sub(lb, state[0], mul(lb, learningRate, g)));
        }
        if (adam) {
          next.push_back(b1Power);
          next.push_back(b2Power);
        }
        failedGradients |= failed(grads);
        lb.create<scf::YieldOp>(loc(), next);
      });
  if (failedGradients)
    return failure();

  ValueRange last = loop.getResults();
  Evaluation e = evaluate(b, last);
  Value energy =
      scaled(b, lossOf(b, e.inst[info.outputVertex]->getResult(0), target),
             outputScale);
  for (Operation *v : hidden)
    energy = addScalars(b, energy, halfSqNorm(b, e.eps[v]));

  SmallVector<Value> newParams, newMoments, newSecondMoments;
  for (auto [i, p] : llvm::enumerate(info.params)) {
    newParams.push_back(fwd.lookup(p));
    newMoments.push_back(moments[i]);
    newSecondMoments.push_back(secondMoments[i]);
  }
  ValueRange carried = last.drop_front(hidden.size());
  for (auto [k, i] : llvm::enumerate(learned)) {
    ValueRange state = carried.slice(k * perParam, perParam);
    newParams[i] = state[0];
    if (adam) {
      newMoments[i] = state[1];
      newSecondMoments[i] = state[2];
    }
  }
  SmallVector<Value> rets = newParams;
  rets.append(newMoments);
  rets.append(newSecondMoments);
  rets.append(*newStates);
  rets.push_back(loss0);
  rets.push_back(energy);
  b.create<func::ReturnOp>(loc(), rets);
  return success();
}

/// Queries: the relaxation of the energy with any inputs free, the output
/// partially observed and hidden tensors clamped, chosen at run time by
/// element masks, always with il dynamics (predictions recomputed from the
/// values: what makes the network a generative model and an associative
/// memory, whatever the training algorithm). Every input, the output and
/// every hidden vertex is a value node; a mask multiplies its update:
///
///   v = momentum * v + (-eps + sum_k J^T eps_k),  x += rate * free ⊙ v
///
/// (heavy-ball gradient descent on the energy, v from zero; momentum 0 is
/// plain gradient descent). Inputs have no prediction (no own error); the
/// output's observed elements keep the loss's error, its free (masked) elements
/// the error of a hidden value node, so that with no mask this is pcc_train's
/// il relaxation exactly. Arguments: inputs, their free masks, target, target
/// mask (1: masked, free), a clamp mask (1: clamped) and clamp values per
/// named hidden vertex, params, states, steps, rate, momentum. Results: the
/// relaxed inputs, the output value node, the gradients at the relaxed state,
/// the states after the step, the loss at the start and the energy at the end.
LogicalResult TrainingBuilder::buildQuery(OpBuilder &b) {
  Value out = info.outputVertex->getResult(0);
  auto outType = cast<RankedTensorType>(out.getType());
  auto scalarType = RankedTensorType::get({}, b.getF32Type());
  SmallVector<Operation *> clampable;
  for (Operation *v : hidden)
    if (!tensorName(v).empty())
      clampable.push_back(v);

  SmallVector<Type> args, results;
  for (BlockArgument a : info.inputs)
    args.push_back(a.getType());
  for (BlockArgument a : info.inputs)
    args.push_back(a.getType()); // free mask
  args.push_back(outType);       // target (initial value where masked)
  args.push_back(outType);       // target mask
  for (Operation *v : clampable) {
    args.push_back(v->getResult(0).getType()); // clamp mask
    args.push_back(v->getResult(0).getType()); // clamp value
  }
  for (auto group : {ArrayRef(info.params), ArrayRef(info.states)})
    for (BlockArgument a : group)
      args.push_back(a.getType());
  args.push_back(b.getIndexType());
  args.push_back(b.getF32Type()); // rate
  args.push_back(b.getF32Type()); // momentum
  for (BlockArgument a : info.inputs)
    results.push_back(a.getType());
  results.push_back(outType);
  for (auto group : {ArrayRef(info.params), ArrayRef(info.states)})
    for (BlockArgument a : group)
      results.push_back(a.getType());
  results.push_back(scalarType);
  results.push_back(scalarType);
  auto func = b.create<func::FuncOp>(loc(), "pcc_query",
                                     b.getFunctionType(args, results));
  func->setAttr("pc.entry", b.getUnitAttr());
  for (auto [i, v] : llvm::enumerate(clampable))
    func.setArgAttr(2 * info.inputs.size() + 2 + 2 * i, "pc.name",
                    b.getStringAttr(tensorName(v)));
  OpBuilder::InsertionGuard guard(b);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping fwd;
  unsigned n = 0;
  mapArgs(fwd, info.inputs, entry, n);
  SmallVector<Value> inputFree;
  for (size_t i = 0; i < info.inputs.size(); ++i)
    inputFree.push_back(entry->getArgument(n++));
  Value target = entry->getArgument(n++);
  Value outFree = entry->getArgument(n++);
  llvm::DenseMap<Operation *, std::pair<Value, Value>> clamp;
  for (Operation *v : clampable) {
    Value mask = entry->getArgument(n++);
    clamp[v] = {mask, entry->getArgument(n++)};
  }
  mapArgs(fwd, info.params, entry, n);
  mapArgs(fwd, info.states, entry, n);
  Value steps = entry->getArgument(n++);
  Value rate = entry->getArgument(n++);
  Value momentum = entry->getArgument(n++);

  cloneForward(b, info, fwd, /*predicting=*/false);
  FailureOr<SmallVector<Value>> newStates = stateUpdates(b, fwd);
  if (failed(newStates))
    return failure();
  auto ones = [&](Type t) { return splat(b, t, 1.0f); };
  auto mul = [&](OpBuilder &b, Value x, Value y) -> Value {
    return b.create<MulOp>(loc(), x.getType(), x, y);
  };
  auto sub = [&](OpBuilder &b, Value x, Value y) -> Value {
    return b.create<SubOp>(loc(), x.getType(), x, y);
  };
  auto add = [&](OpBuilder &b, Value x, Value y) -> Value {
    return b.create<AddOp>(loc(), x.getType(), x, y);
  };
  Value observed = sub(b, ones(outType), outFree);
  // The observed part of the loss, and the output's error: the loss error
  // where observed, a value node's error where free.
  auto observedLoss = [&](OpBuilder &b, Value mu, Value x) -> Value {
    return lossOf(b, mul(b, observed, mu), mul(b, observed, x));
  };
  auto outputError = [&](OpBuilder &b, Value mu, Value x) -> Value {
    Value lossError = lossErrorOf(b, mu, x);
    Value valueError = b.create<ErrorOp>(loc(), x, mu);
    return add(b, mul(b, observed, lossError), mul(b, outFree, valueError));
  };
  Value loss0 = observedLoss(b, fwd.lookup(out), target);

  // Carried: inputs, hidden values (clamped elements set to their clamp
  // value), the output value node.
  SmallVector<Value> init;
  for (BlockArgument a : info.inputs)
    init.push_back(fwd.lookup(a));
  llvm::DenseMap<Operation *, Value> hiddenFree;
  for (Operation *v : hidden) {
    Value mu = fwd.lookup(v->getResult(0));
    auto it = clamp.find(v);
    if (it == clamp.end()) {
      init.push_back(mu);
      continue;
    }
    auto [mask, value] = it->second;
    init.push_back(add(b, mu, mul(b, mask, sub(b, value, mu))));
    hiddenFree[v] = sub(b, ones(mask.getType()), mask);
  }
  init.push_back(target);
  size_t numInputs = info.inputs.size();
  size_t numValues = init.size();
  // Each value's velocity (heavy ball), zero at the start.
  for (size_t i = 0; i < numValues; ++i)
    init.push_back(splat(b, init[i].getType(), 0.0f));
  Value rateTensor =
      b.create<tensor::FromElementsOp>(loc(), scalarType, ValueRange{rate});
  Value momentumTensor =
      b.create<tensor::FromElementsOp>(loc(), scalarType, ValueRange{momentum});

  struct State {
    llvm::DenseMap<Operation *, Operation *> inst;
    llvm::DenseMap<Operation *, Value> eps;
    Value muOut, xOut;
  };
  auto evaluate = [&](OpBuilder &b, ValueRange cur) {
    State s;
    IRMapping map = fwd;
    for (auto [a, x] : llvm::zip(info.inputs, cur.take_front(numInputs)))
      map.map(a, x);
    for (auto [v, x] : llvm::zip(hidden, cur.drop_front(numInputs)))
      map.map(valueNode[v].getResult(), x);
    clonePredictions(b, map, s.inst);
    for (auto [v, x] : llvm::zip(hidden, cur.drop_front(numInputs)))
      s.eps[v] = b.create<ErrorOp>(loc(), x, s.inst[v]->getResult(0));
    s.muOut = s.inst[info.outputVertex]->getResult(0);
    s.xOut = cur.back();
    s.eps[info.outputVertex] = outputError(b, s.muOut, s.xOut);
    return s;
  };
  auto propagate = [&](OpBuilder &b, State &s, Accumulator *toValues,
                       Accumulator *toParams, Accumulator *toInputs) {
    propagateAll(
        b, [&](Operation *op) { return s.inst.lookup(op); },
        [&](Operation *v) { return s.eps.lookup(v); }, toValues, toParams,
        toInputs);
  };
  // v' = momentum * v + d; x' = x + rate * free ⊙ v'. Momentum 0 is plain
  // gradient descent on the energy.
  auto stepBy = [&](OpBuilder &b, Value x, Value v, Value free, Value d,
                    SmallVectorImpl<Value> &velocities) -> Value {
    Value velocity =
        add(b, b.create<MulOp>(loc(), v.getType(), momentumTensor, v), d);
    velocities.push_back(velocity);
    Value step = b.create<MulOp>(loc(), d.getType(), rateTensor, velocity);
    if (free)
      step = mul(b, free, step);
    return add(b, x, step);
  };

  Value zero = b.create<arith::ConstantIndexOp>(loc(), 0);
  Value one = b.create<arith::ConstantIndexOp>(loc(), 1);
  auto loop = b.create<scf::ForOp>(
      loc(), zero, steps, one, init,
      [&](OpBuilder &lb, Location, Value, ValueRange carried) {
        ValueRange cur = carried.take_front(numValues);
        ValueRange vel = carried.drop_front(numValues);
        State s = evaluate(lb, cur);
        Accumulator drive, inputDrive;
        propagate(lb, s, &drive, nullptr, &inputDrive);
        SmallVector<Value> next, nextVel;
        for (auto [i, a] : llvm::enumerate(info.inputs)) {
          if (Value d = inputDrive.lookup(a)) {
            next.push_back(
                stepBy(lb, cur[i], vel[i], inputFree[i], d, nextVel));
            continue;
          }
          // An input nothing depends on stays where it is.
          next.push_back(cur[i]);
          nextVel.push_back(vel[i]);
        }
        for (auto [k, v] : llvm::enumerate(hidden)) {
          size_t i = numInputs + k;
          Value d = valueDrift(lb, drive.lookup(v->getResult(0)), s.eps[v]);
          next.push_back(
              stepBy(lb, cur[i], vel[i], hiddenFree.lookup(v), d, nextVel));
        }
        // The output's free elements: -eps of a value node with no child.
        next.push_back(stepBy(lb, s.xOut, vel.back(), outFree,
                              sub(lb, s.muOut, s.xOut), nextVel));
        next.append(nextVel);
        lb.create<scf::YieldOp>(loc(), next);
      });

  State s = evaluate(b, loop.getResults().take_front(numValues));
  Accumulator paramAdj;
  propagate(b, s, nullptr, &paramAdj, nullptr);
  Value energy = observedLoss(b, s.muOut, s.xOut);
  energy = addScalars(b, energy,
                      halfSqNorm(b, mul(b, outFree, sub(b, s.xOut, s.muOut))));
  for (Operation *v : hidden)
    energy = addScalars(b, energy, halfSqNorm(b, s.eps[v]));
  FailureOr<SmallVector<Value>> grads = parameterGradients(b, paramAdj, fwd);
  if (failed(grads))
    return failure();
  SmallVector<Value> rets(loop.getResults().take_front(numInputs));
  rets.push_back(s.xOut);
  rets.append(*grads);
  rets.append(*newStates);
  rets.push_back(loss0);
  rets.push_back(energy);
  b.create<func::ReturnOp>(loc(), rets);
  return success();
}

namespace {
struct BuildTrainingPass : pc::impl::PCBuildTrainingBase<BuildTrainingPass> {
  using PCBuildTrainingBase::PCBuildTrainingBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Algorithm> alg = pcc::parseName<Algorithm>(algorithm);
    if (!alg) {
      module.emitError("unknown algorithm '")
          << algorithm << "' (expected " << pcc::choicesOf<Algorithm>() << ")";
      return signalPassFailure();
    }
    std::optional<NudgeMode> nudge = pcc::parseName<NudgeMode>(nudgeMode);
    if (!nudge) {
      module.emitError("unknown nudge mode '")
          << nudgeMode << "' (expected " << pcc::choicesOf<NudgeMode>() << ")";
      return signalPassFailure();
    }
    std::optional<pcc::Schedule> order =
        pcc::parseName<pcc::Schedule>(schedule);
    if (!order) {
      module.emitError("unknown schedule '")
          << schedule << "' (expected " << pcc::choicesOf<pcc::Schedule>()
          << ")";
      return signalPassFailure();
    }
    bool reverseSweep = *order == pcc::Schedule::Reverse;
    if (reverseSweep && !pcc::takesReverseSchedule(*alg)) {
      module.emitError("the reverse schedule is for algorithm fpa (a sweep "
                       "needs the predictions held), got ")
          << algorithm;
      return signalPassFailure();
    }
    if (*nudge != NudgeMode::None && !pcc::takesNudge(*alg)) {
      module.emitError("nudging is for algorithms il, epc and ipc (fpa and "
                       "zil hold the predictions, where a nudge changes "
                       "nothing; bp does not relax), got ")
          << algorithm;
      return signalPassFailure();
    }
    if (*nudge == NudgeMode::Centered && !pcc::takesCenteredNudge(*alg)) {
      module.emitError("centered nudging needs two relaxations from the same "
                       "parameters, but ipc moves them during its relaxation: "
                       "use positive or negative with ipc");
      return signalPassFailure();
    }
    std::optional<Optimizer> opt = pcc::parseName<Optimizer>(optimizer);
    if (!opt) {
      module.emitError("unknown optimizer '")
          << optimizer << "' (expected " << pcc::choicesOf<Optimizer>() << ")";
      return signalPassFailure();
    }
    std::optional<LossKind> lossKind = symbolizeLossKind(loss);
    if (!lossKind) {
      module.emitError("unknown loss '") << loss << "' (expected mse or ce)";
      return signalPassFailure();
    }
    std::optional<LossReduction> lossReduction =
        symbolizeLossReduction(reduction);
    if (!lossReduction) {
      module.emitError("unknown loss reduction '")
          << reduction << "' (expected mean or sum)";
      return signalPassFailure();
    }
    FailureOr<func::FuncOp> func = findGraphFunction(module);
    if (failed(func))
      return signalPassFailure();
    bool noded = false;
    func->walk([&](Operation *op) {
      noded |= isa<ValueOp>(op) || op->hasAttr("pc.output");
    });
    if (!noded) {
      func->emitError("graph has no value nodes: run pc-insert-nodes first");
      return signalPassFailure();
    }
    // Layer vertices show in the nodes pc-insert-nodes placed: an op joined
    // to its layer has no value node and one reader.
    FailureOr<GraphInfo> info = GraphInfo::analyze(*func, /*layers=*/true);
    if (failed(info))
      return signalPassFailure();

    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    TrainingBuilder builder(*info, *alg, *lossKind, *lossReduction, *nudge,
                            reverseSweep, *opt);
    builder.buildPredict(b);
    if (failed(relaxationOf(*alg).stepsParameters
                   ? builder.buildIncrementalTrain(b)
                   : builder.buildTrain(b)) ||
        (queries && failed(builder.buildQuery(b))))
      return signalPassFailure();
    func->erase();
  }
};
} // namespace
