// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=ipc optimizer=sgd' -canonicalize -cse | FileCheck %s
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=ipc' -canonicalize -cse | FileCheck %s --check-prefix=ADAM
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=ipc nudge-mode=centered' 2>&1 | FileCheck %s --check-prefix=CEN
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=ipc optimizer=rmsprop' 2>&1 | FileCheck %s --check-prefix=OPT

// ipc (incremental PC): il's relaxation, and at every step each parameter
// takes an optimizer step along its gradient at the state the step starts
// from. The loop carries the values and the parameters (and, for Adam, the
// moments and beta^t); pcc_train returns parameters, not gradients.
func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %w2: tensor<2x5xf32> {pc.role = "param"}) -> tensor<4x2xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.matmul %1, %w2 {transpose_rhs = true} : (tensor<4x5xf32>, tensor<2x5xf32>) -> tensor<4x2xf32>
  return %2 : tensor<4x2xf32>
}

// Arguments: inputs, target, params, states (none), first and second
// moments, steps, rate, nudge, learning rate, beta1^t, beta2^t. Results:
// params, moments, second moments, loss, energy.
// CHECK-LABEL: func.func @pcc_train(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x3xf32>, %[[T:[^:]*]]: tensor<4x2xf32>, %[[W:[^:]*]]: tensor<5x3xf32>, %[[W2:[^:]*]]: tensor<2x5xf32>, %[[M:[^:]*]]: tensor<5x3xf32>, %[[M2:[^:]*]]: tensor<2x5xf32>, %[[V:[^:]*]]: tensor<5x3xf32>, %[[V2:[^:]*]]: tensor<2x5xf32>, %[[STEPS:[^:]*]]: index, %[[RATE:[^:]*]]: f32, %{{[^:]*}}: f32, %[[LR:[^:]*]]: f32, %{{[^:]*}}: f32, %{{[^:]*}}: f32)
// CHECK-SAME: -> (tensor<5x3xf32>, tensor<2x5xf32>, tensor<5x3xf32>, tensor<2x5xf32>, tensor<5x3xf32>, tensor<2x5xf32>, tensor<f32>, tensor<f32>)
// CHECK-SAME: attributes {pc.algorithm = "ipc"
// CHECK-DAG: %[[G:.*]] = tensor.from_elements %[[RATE]]
// CHECK-DAG: %[[A:.*]] = tensor.from_elements %[[LR]]
// CHECK-DAG: %[[MU0:.*]] = pc.matmul %[[X]], %[[W]]
// CHECK-DAG: %[[MU1:.*]] = pc.tanh %[[MU0]]
// CHECK: %[[R:.*]]:4 = scf.for %{{.*}} to %[[STEPS]] {{.*}} iter_args(%[[X0:.*]] = %[[MU0]], %[[X1:.*]] = %[[MU1]], %[[CW:.*]] = %[[W]], %[[CW2:.*]] = %[[W2]])
// The predictions from the carried values and parameters.
// CHECK:   %[[P0:.*]] = pc.matmul %[[X]], %[[CW]]
// CHECK:   %[[P1:.*]] = pc.tanh %[[X0]]
// CHECK:   %[[OUT:.*]] = pc.matmul %[[X1]], %[[CW2]]
// CHECK:   %[[E0:.*]] = pc.error %[[X0]], %[[P0]]
// CHECK:   %[[E1:.*]] = pc.error %[[X1]], %[[P1]]
// CHECK:   %[[LE:.*]] = pc.loss_error mse %[[OUT]], %[[T]]
// Each parameter's local gradient at this state ...
// CHECK-DAG:   %[[GW2:.*]] = pc.matmul %[[LE]], %[[X1]] {transpose_lhs = true}
// CHECK-DAG:   %[[GW:.*]] = pc.matmul %[[E0]], %[[X]] {transpose_lhs = true}
// CHECK-DAG:   %[[NGW:.*]] = pc.neg %[[GW]]
// CHECK-DAG:   %[[NGW2:.*]] = pc.neg %[[GW2]]
// ... and the SGD step along it, in the same iteration as the values'.
// CHECK-DAG:   %[[SW:.*]] = pc.mul %[[A]], %[[NGW]]
// CHECK-DAG:   %[[NW:.*]] = pc.sub %[[CW]], %[[SW]]
// CHECK-DAG:   %[[SW2:.*]] = pc.mul %[[A]], %[[NGW2]]
// CHECK-DAG:   %[[NW2:.*]] = pc.sub %[[CW2]], %[[SW2]]
// CHECK-DAG:   %[[S0:.*]] = pc.mul %[[G]], %{{.*}}
// CHECK:   scf.yield %{{.*}}, %{{.*}}, %[[NW]], %[[NW2]]
// The energy at the end, with the final parameters; the moments come back
// unchanged under SGD.
// CHECK: pc.matmul %[[X]], %[[R]]#2
// CHECK: pc.matmul %[[R]]#1, %[[R]]#3
// CHECK-NOT: scf.for
// CHECK: return %[[R]]#2, %[[R]]#3, %[[M]], %[[M2]], %[[V]], %[[V2]]

// Adam: the moments and beta^t are carried too and the update is in the
// loop, one pass per moment and one for the parameter; the bias
// corrections are scalars from the carried powers.
// ADAM-LABEL: func.func @pcc_train(
// ADAM-SAME: %[[LR:[^:]*]]: f32, %{{[^:]*}}: f32, %{{[^:]*}}: f32)
// ADAM: %[[A:.*]] = tensor.from_elements %[[LR]]
// ADAM: %[[R:.*]]:10 = scf.for {{.*}} iter_args(%{{[^ ]*}} = %{{[^,]*}}, %{{[^ ]*}} = %{{[^,]*}}, %[[W:[^ ]*]] = %{{[^,]*}}, %[[M:[^ ]*]] = %{{[^,]*}}, %[[V:[^ ]*]] = %{{[^,]*}}, %{{.*}}, %[[P1:[^ ]*]] = %{{[^,]*}}, %[[P2:[^ ]*]] = %{{[^)]*}})
// ADAM-DAG: %[[B1:.*]] = pc.mul %{{.*}}, %[[P1]] : (tensor<f32>, tensor<f32>)
// ADAM-DAG: %[[B2:.*]] = pc.mul %{{.*}}, %[[P2]] : (tensor<f32>, tensor<f32>)
// ADAM-DAG: %[[G:.*]] = pc.neg %{{.*}} : tensor<5x3xf32>
// ADAM-DAG: %[[M1:.*]] = pc.moving_average %[[M]], %[[G]] {beta = 0.899999976 : f32} : tensor<5x3xf32>
// ADAM-DAG: %[[V1:.*]] = pc.moving_average %[[V]], %[[G]] {beta = 9.990000e-01 : f32, squared} : tensor<5x3xf32>
// ADAM-DAG: %[[C1:.*]] = pc.sub %{{.*}}, %[[B1]]
// ADAM-DAG: %[[S:.*]] = pc.div %[[A]], %[[C1]]
// ADAM-DAG: %[[C2:.*]] = pc.sub %{{.*}}, %[[B2]]
// ADAM-DAG: %[[Q:.*]] = pc.sqrt %[[C2]]
// ADAM-DAG: %[[W1:.*]] = pc.adam_update %[[W]], %[[M1]], %[[V1]], %[[S]], %[[Q]] {epsilon = 9.99999993E-9 : f32} : tensor<5x3xf32>
// ADAM: scf.yield %{{.*}}, %{{.*}}, %[[W1]], %[[M1]], %[[V1]], %{{.*}}, %{{.*}}, %{{.*}}, %[[B1]], %[[B2]]
// ADAM: return %[[R]]#2, %[[R]]#5, %[[R]]#3, %[[R]]#6, %[[R]]#4, %[[R]]#7,

// CEN: centered nudging needs two relaxations from the same parameters, but ipc moves them during its relaxation: use positive or negative with ipc
// OPT: unknown optimizer 'rmsprop' (expected sgd or adam)
