// RUN: pcc-opt %s -pc-insert-nodes -pc-build-training -canonicalize -cse -loop-invariant-code-motion -cse -canonicalize | FileCheck %s --check-prefix=IL
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=fpa' -canonicalize -cse -loop-invariant-code-motion -cse -canonicalize | FileCheck %s --check-prefix=FPA
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=zil loss=ce' | FileCheck %s --check-prefix=ZIL
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=bp loss=ce' | FileCheck %s --check-prefix=BP
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=reduction=sum queries=true' | FileCheck %s --check-prefix=SUM --implicit-check-not='pc.loss mse %%' --implicit-check-not='pc.loss_error mse %%'
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=reduction=avg' 2>&1 | FileCheck %s --check-prefix=BADSUM

// Every loss and loss error of train and query carries the reduction.
// SUM-LABEL: func.func @pcc_train
// SUM: pc.loss_error mse reduction(sum)
// SUM-LABEL: func.func @pcc_query
// SUM: pc.loss mse reduction(sum)
// SUM: pc.loss_error mse reduction(sum)
// BADSUM: unknown loss reduction 'avg' (expected mean or sum)

func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %b: tensor<5xf32> {pc.role = "param"}) -> tensor<4x5xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.add %1, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}

// The graph function is replaced by the two entry points.
// IL-NOT: pc.graph
// IL-LABEL: func.func @pcc_predict(
// IL-SAME: -> tensor<4x5xf32> attributes {pc.entry}
// IL: pc.matmul
// IL: pc.tanh
// IL: pc.add

// il: the prediction of the vertex whose parent is the clamped input is
// computed once, outside the relaxation loop; the others are recomputed
// from the current values every step.
// IL-LABEL: func.func @pcc_train(
// IL-SAME: %[[X:.*]]: tensor<4x3xf32>, %[[T:.*]]: tensor<4x5xf32>, %[[W:.*]]: tensor<5x3xf32>, %[[B:.*]]: tensor<5xf32>, %[[STEPS:[^:]*]]: index, %[[RATE:[^:]*]]: f32, %{{[^:]*}}: f32)
// IL-SAME: -> (tensor<5x3xf32>, tensor<5xf32>, tensor<f32>, tensor<f32>) attributes {pc.algorithm = "il", pc.depth = 2 : i64, pc.entry}
// IL: %[[MU0:.*]] = pc.matmul %[[X]], %[[W]] {transpose_rhs = true}
// IL: %[[MU1:.*]] = pc.tanh %[[MU0]]
// IL: %[[Y:.*]] = pc.add %[[MU1]], %[[B]]
// IL: %[[LOSS:.*]] = pc.loss mse %[[Y]], %[[T]]
// IL: %[[G:.*]] = tensor.from_elements %[[RATE]]
// IL: %[[XS:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[STEPS]] step %{{.*}} iter_args(%[[X0:.*]] = %[[MU0]], %[[X1:.*]] = %[[MU1]])
// IL-NOT: pc.matmul %[[X]]
// IL:   %[[P1:.*]] = pc.tanh %[[X0]]
// IL:   %[[P2:.*]] = pc.add %[[X1]], %[[B]]
// IL:   %[[E0:.*]] = pc.error %[[X0]], %[[MU0]]
// IL:   %[[E1:.*]] = pc.error %[[X1]], %[[P1]]
// IL:   %[[EOUT:.*]] = pc.loss_error mse %[[P2]], %[[T]]
// IL:   %[[JT:.*]] = pc.tanh_grad %[[E1]], %[[P1]]
// IL:   %[[D0:.*]] = pc.sub %[[JT]], %[[E0]]
// IL:   %[[S0:.*]] = pc.mul %[[G]], %[[D0]]
// IL:   %[[N0:.*]] = pc.add %[[X0]], %[[S0]]
// IL:   %[[D1:.*]] = pc.sub %[[EOUT]], %[[E1]]
// IL:   %[[S1:.*]] = pc.mul %[[G]], %[[D1]]
// IL:   %[[N1:.*]] = pc.add %[[X1]], %[[S1]]
// IL:   scf.yield %[[N0]], %[[N1]]
// Learning: each parameter from its own vertex's error only.
// IL: %[[F0:.*]] = pc.error %[[XS]]#0, %[[MU0]]
// IL: %[[FOUT:.*]] = pc.loss_error mse
// IL-DAG: %[[GB:.*]] = pc.sum_to %[[FOUT]] : (tensor<4x5xf32>) -> tensor<5xf32>
// IL-DAG: %[[GW:.*]] = pc.matmul %[[F0]], %[[X]] {transpose_lhs = true}
// IL: pc.half_sq_norm
// IL: %[[NW:.*]] = pc.neg %[[GW]]
// IL: %[[NB:.*]] = pc.neg %[[GB]]
// IL: return %[[NW]], %[[NB]], %[[LOSS]], %{{.*}}

// fpa: predictions and Jacobians stay at their forward values, so nothing
// of the graph is recomputed inside the loop, and each error is the
// carried deviation itself: no pc.error.
// FPA-LABEL: func.func @pcc_train(
// FPA: %[[MU1:.*]] = pc.tanh
// FPA: scf.for %{{.*}} iter_args(%[[D0:.*]] = %{{.*}}, %[[D1:.*]] = %{{.*}})
// FPA-NOT: pc.tanh %
// FPA-NOT: pc.error
// FPA: pc.tanh_grad %[[D1]], %[[MU1]]
// FPA: scf.yield

// zil: fpa at rate 1 for exactly as many steps as the graph is deep (2): a
// loop with a constant trip count and a constant rate, not the run-time
// steps and rate arguments.
// ZIL-LABEL: func.func @pcc_train(
// ZIL-SAME: pc.algorithm = "zil", pc.depth = 2 : i64, pc.entry, pc.fixed_steps = 2 : i64
// ZIL: %[[MU1:.*]] = pc.tanh
// ZIL: %[[DEPTH:.*]] = arith.constant 2 : index
// ZIL: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// ZIL: %[[G:.*]] = tensor.from_elements %[[ONE]] : tensor<f32>
// ZIL: scf.for %{{.*}} = %{{.*}} to %[[DEPTH]] step
// fpa-style: predictions and Jacobians at their forward values.
// ZIL-NOT: pc.tanh %
// ZIL: pc.loss_error ce
// ZIL: pc.tanh_grad %{{.*}}, %[[MU1]]
// ZIL: pc.mul %[[G]]
// ZIL: scf.yield
// ZIL: return

// bp: reverse-mode differentiation of the same graph through the same
// interface; the relaxation loop is absent.
// BP-LABEL: func.func @pcc_train(
// BP-SAME: pc.algorithm = "bp", pc.depth = 2 : i64, pc.entry, pc.fixed_steps = -1 : i64
// BP-NOT: scf.for
// BP: %[[E:.*]] = pc.loss_error ce %{{.*}}, %{{.*}}
// BP-DAG: pc.sum_to %[[E]]
// BP-DAG: %[[E1:.*]] = pc.tanh_grad %[[E]], %{{.*}}
// BP: pc.matmul %[[E1]], %{{.*}} {transpose_lhs = true}
// BP: return
