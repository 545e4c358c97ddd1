//===- Passes.td - predictive-coding passes ----------------*- tablegen -*-===//
#ifndef PCC_TRANSFORMS_PASSES_TD
#define PCC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def PCInsertNodes : Pass<"pc-insert-nodes", "mlir::ModuleOp"> {
  let summary = "Give every vertex of the graph a value node and an error node";
  let description = [{
    In the function marked `pc.graph`, every graph op whose result depends on
    a model input (an activity vertex) gets a value node `pc.value` that the
    vertex's consumers read instead of the prediction, and an error node
    `pc.error` (value minus prediction). The vertex that produces the
    model output gets no value node: its error is the loss gradient. Ops
    fed only by parameters and constants are parameter expressions, not
    vertices. Vertices are numbered in `vertex` attributes.

    With `vertices=layer`, a parameterised op and the chain of layer tails
    after it (activations, bias adds, scales, normalisations; each the
    single reader of the op before and reading no other activity) form one
    vertex, as in a PC layer mu = f(W x + b): only the chain's last op gets
    nodes. The default `op` makes every op a vertex.
  }];
  let options = [
    Option<"vertices", "vertices", "std::string", /*default=*/"\"op\"",
           "op (every op a vertex) or layer (a layer's ops one vertex)">,
  ];
  let dependentDialects = ["mlir::pc::PCDialect"];
}

def PCBuildTraining : Pass<"pc-build-training", "mlir::ModuleOp"> {
  let summary = "Build the relaxation loop and the local learning rules";
  let description = [{
    From the `pc.graph` function with value and error nodes, builds the entry
    functions `pcc_predict(inputs..., params...) -> output` and
    `pcc_train(inputs..., target, params..., steps, rate) -> (grads..., loss,
    energy)`. The inference dynamics and the parameter gradients use only
    `LocalDerivativeOpInterface`:

      x_i += rate * (-eps_i + sum_k J_ki^T eps_k),   g_theta = -J_theta^T eps

    `il` recomputes predictions and Jacobians from the current values every
    step; `fpa` keeps them at their forward-pass values; `zil` runs `rate = 1`
    for as many steps as the graph is deep and takes each vertex's gradient
    at the step equal to its distance from the output; `bp` is reverse-mode
    differentiation of the same graph (the control). `epc` carries the
    errors as the free variables: each step recomputes the values forward,
    x_i = mu_i + eps_i, back-propagates the output error to every value in
    one reverse sweep and takes eps_i += rate * (-eps_i - dL/dx_i); then
    il's rule. Steps and rate are run-time arguments for `il`, `fpa` and
    `epc`.

    `ipc` (incremental PC) is il whose parameters also take an optimizer
    step (`optimizer`: sgd, or adam as pc.moving_average and
    pc.adam_update, built in the loop) at every inference
    step, along the gradient at the state the step starts from; its
    `pcc_train` also takes every parameter's optimizer moments, the learning
    rate and beta1^t, beta2^t, and returns the new parameters and moments
    instead of gradients.

    With `schedule=reverse` (fpa only) a step updates the vertices in
    reverse topological order, each from its children's errors of the same
    step (Gauss-Seidel; the parallel default uses the previous step's), so
    an error crosses the whole graph in one step: at rate 1 one step is
    backprop.

    With `nudge-mode` (il, epc and ipc; centered not for ipc), the output error is scaled by beta
    (negative: -beta; beta is the run-time argument `nudge` of pcc_train,
    after the rate) and the parameter gradient divided by it: the estimate
    tends to backprop's as beta -> 0 (Millidge et al. 2022). `centered` runs two
    relaxations, at +beta and -beta, and averages their estimates (error
    O(beta^2) instead of O(beta)). The reported energy is the first
    relaxation's, beta * L + sum 1/2 |eps|^2. For a PC energy the free phase
    of contrastive Hebbian learning is the forward pass (all errors zero), so
    CHL is the positive nudge.

    With `queries` it also builds `pcc_query`, the il
    relaxation with run-time element masks: inputs free (relaxed like value
    nodes, from the given values), the target masked (masked elements are
    free value nodes), and every hidden vertex that has an ONNX tensor name
    clamped (its arguments carry that name as `pc.name`).
  }];
  let options = [
    Option<"algorithm", "algorithm", "std::string", /*default=*/"\"il\"",
           "il, fpa, zil, bp, epc or ipc">,
    Option<"loss", "loss", "std::string", /*default=*/"\"mse\"",
           "mse or ce (softmax cross-entropy)">,
    Option<"reduction", "reduction", "std::string", /*default=*/"\"mean\"",
           "how the samples' losses combine: mean or sum">,
    Option<"nudgeMode", "nudge-mode", "std::string", /*default=*/"\"none\"",
           "il, epc and ipc: none, positive, negative or (not ipc) centered "
           "(the output error times +beta, -beta, or both in two "
           "relaxations; the parameter update divided by the same; beta is "
           "pcc_train's `nudge` argument)">,
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"adam\"",
           "ipc: the optimizer built into the relaxation loop, sgd or adam "
           "(the other algorithms leave the update to the runtime)">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"parallel\"",
           "parallel (every vertex from the previous step's errors) or, for "
           "fpa, reverse (reverse topological order, each vertex from its "
           "children's errors of the same step)">,
    Option<"queries", "queries", "bool", /*default=*/"false",
           "also build pcc_query: relaxation with free inputs, a masked "
           "target and clamped hidden tensors">,
  ];
  let dependentDialects = ["mlir::pc::PCDialect", "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::func::FuncDialect"];
}

#endif // PCC_TRANSFORMS_PASSES_TD
