// RUN: pcc-opt %s -pc-insert-nodes -pc-build-training -canonicalize -cse -loop-invariant-code-motion -cse -canonicalize | FileCheck %s --check-prefix=IL
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=zil' | FileCheck %s --check-prefix=ZIL

// Wiring (reshape -> slice -> reshape) between two vertices has no value
// node: il carries two values only, re-evaluates the wiring from the
// current value of its parent, and sends J^T eps back through it (reshape,
// slice_grad, reshape) to that parent.
// IL-LABEL: func.func @pcc_train(
// IL-SAME: %[[X:.*]]: tensor<4x3xf32>, %[[T:.*]]: tensor<4x3xf32>, %[[W:.*]]: tensor<6x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[STEPS:[^:]*]]: index, %[[RATE:[^:]*]]: f32, %{{[^:]*}}: f32)
// IL: %[[MU0:.*]] = pc.matmul %[[X]], %[[W]]
// IL: %[[MU1:.*]] = pc.tanh
// IL: scf.for %{{.*}} = %{{.*}} to %[[STEPS]] step %{{.*}} iter_args(%[[X0:.*]] = %[[MU0]], %[[X1:.*]] = %[[MU1]]) -> (tensor<4x6xf32>, tensor<4x3xf32>)
// IL:   %[[R:.*]] = pc.reshape %[[X0]] : (tensor<4x6xf32>) -> tensor<4x2x3xf32>
// IL:   %[[S:.*]] = pc.slice %[[R]]
// IL:   %[[R2:.*]] = pc.reshape %[[S]] : (tensor<4x1x3xf32>) -> tensor<4x3xf32>
// IL:   %[[P1:.*]] = pc.tanh %[[R2]]
// IL:   %[[E0:.*]] = pc.error %[[X0]], %[[MU0]]
// IL:   %[[E1:.*]] = pc.error %[[X1]], %[[P1]]
// IL:   %[[JT:.*]] = pc.tanh_grad %[[E1]], %[[P1]]
// IL:   %[[JR:.*]] = pc.reshape %[[JT]] : (tensor<4x3xf32>) -> tensor<4x1x3xf32>
// IL:   %[[JS:.*]] = pc.slice_grad %[[JR]] {starts = array<i64: 0, 1, 0>, steps = array<i64: 1, 1, 1>} : (tensor<4x1x3xf32>) -> tensor<4x2x3xf32>
// IL:   %[[J0:.*]] = pc.reshape %[[JS]] : (tensor<4x2x3xf32>) -> tensor<4x6xf32>
// IL:   %[[D0:.*]] = pc.sub %[[J0]], %[[E0]]
// IL:   scf.yield

// zil's depth counts vertices only: matmul -> tanh -> add is 2 steps deep,
// however much wiring sits in between.
// ZIL-LABEL: func.func @pcc_train(
// ZIL-SAME: pc.fixed_steps = 2 : i64
// ZIL: %[[C2:.*]] = arith.constant 2 : index
// ZIL: scf.for %{{.*}} = %{{.*}} to %[[C2]] step
func.func @wired(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<6x3xf32> {pc.role = "param"},
                 %b: tensor<3xf32> {pc.role = "param"}) -> tensor<4x3xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<6x3xf32>) -> tensor<4x6xf32>
  %1 = pc.reshape %0 : (tensor<4x6xf32>) -> tensor<4x2x3xf32>
  %2 = pc.slice %1 {starts = array<i64: 0, 1, 0>, steps = array<i64: 1, 1, 1>} : (tensor<4x2x3xf32>) -> tensor<4x1x3xf32>
  %3 = pc.reshape %2 : (tensor<4x1x3xf32>) -> tensor<4x3xf32>
  %4 = pc.tanh %3 : tensor<4x3xf32>
  %5 = pc.add %4, %b : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %5 : tensor<4x3xf32>
}
