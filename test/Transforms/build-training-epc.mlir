// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=epc' -canonicalize -cse | FileCheck %s
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=epc nudge-mode=centered' -canonicalize -cse | FileCheck %s --check-prefix=CEN

// epc (error-space relaxation): the loop carries every hidden vertex's error,
// zero at the start; each step recomputes the values forward from them
// (x = mu + eps) and sends the output error back through the whole graph in
// one sweep, so the first layer's error sees the output in the first step.
func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %w2: tensor<2x5xf32> {pc.role = "param"}) -> tensor<4x2xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.matmul %1, %w2 {transpose_rhs = true} : (tensor<4x5xf32>, tensor<2x5xf32>) -> tensor<4x2xf32>
  return %2 : tensor<4x2xf32>
}

// CHECK-LABEL: func.func @pcc_train(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>, %[[T:[^:]*]]: tensor<4x2xf32>, %{{[^:]*}}: tensor<5x3xf32>, %[[W2:[^:]*]]: tensor<2x5xf32>, %[[STEPS:[^:]*]]: index, %[[RATE:[^:]*]]: f32
// CHECK-SAME: attributes {pc.algorithm = "epc"
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<4x5xf32>
// CHECK-DAG: %[[MU0:.*]] = pc.matmul %[[X]]
// CHECK-DAG: %[[G:.*]] = tensor.from_elements %[[RATE]]
// CHECK: %[[R:.*]]:2 = scf.for %{{.*}} to %[[STEPS]] {{.*}} iter_args(%[[E0:.*]] = %[[ZERO]], %[[E1:.*]] = %[[ZERO]])
// Values from errors: the tanh reads mu + eps of the matmul vertex, the
// output matmul mu + eps of the tanh vertex.
// CHECK:   %[[X0:.*]] = pc.add %[[MU0]], %[[E0]]
// CHECK:   %[[MU1:.*]] = pc.tanh %[[X0]]
// CHECK:   %[[X1:.*]] = pc.add %[[MU1]], %[[E1]]
// CHECK:   %[[OUT:.*]] = pc.matmul %[[X1]], %[[W2]]
// The backward sweep: -dL/dx of the tanh vertex, and on through the tanh to
// the matmul vertex in the same step.
// CHECK:   %[[LE:.*]] = pc.loss_error mse %[[OUT]], %[[T]]
// CHECK:   %[[A1:.*]] = pc.matmul %[[LE]], %[[W2]]
// CHECK:   %[[A0:.*]] = pc.tanh_grad %[[A1]], %[[MU1]]
// eps += gamma (a - eps) for each.
// CHECK:   %[[D0:.*]] = pc.sub %[[A0]], %[[E0]]
// CHECK:   %[[S0:.*]] = pc.mul %[[G]], %[[D0]]
// CHECK:   %[[N0:.*]] = pc.add %[[E0]], %[[S0]]
// CHECK:   %[[D1:.*]] = pc.sub %[[A1]], %[[E1]]
// CHECK:   %[[S1:.*]] = pc.mul %[[G]], %[[D1]]
// CHECK:   %[[N1:.*]] = pc.add %[[E1]], %[[S1]]
// CHECK:   scf.yield %[[N0]], %[[N1]]
// After the loop the learning rule is il's, local: each parameter from its
// own vertex's error (the carried one) and its inputs at the relaxed values.
// CHECK: %[[RX0:.*]] = pc.add %[[MU0]], %[[R]]#0
// CHECK: %[[RMU1:.*]] = pc.tanh %[[RX0]]
// CHECK: %[[RX1:.*]] = pc.add %[[RMU1]], %[[R]]#1
// CHECK: %[[ROUT:.*]] = pc.matmul %[[RX1]], %[[W2]]
// CHECK: %[[RLE:.*]] = pc.loss_error mse %[[ROUT]], %[[T]]
// CHECK: pc.matmul %[[RLE]], %[[RX1]] {transpose_lhs = true}
// CHECK: pc.matmul %[[R]]#0, %[[X]] {transpose_lhs = true}
// The energy: L at the relaxed output plus the carried errors' 1/2|eps|^2.
// CHECK: pc.loss mse %[[ROUT]], %[[T]]
// CHECK: pc.half_sq_norm %[[R]]#0
// CHECK: pc.half_sq_norm %[[R]]#1
// CHECK-NOT: scf.for
// CHECK: return

// Nudged epc: the nudge scales the output error inside both relaxations.
// CEN-LABEL: func.func @pcc_train(
// CEN-SAME: %[[BETA:[^:]*]]: f32)
// CEN: %[[BT:.*]] = tensor.from_elements %[[BETA]]
// CEN: scf.for
// CEN:   %[[LE:.*]] = pc.loss_error mse
// CEN:   pc.mul %[[BT]], %[[LE]]
// CEN: scf.for
// CEN-NOT: scf.for
// CEN: return
