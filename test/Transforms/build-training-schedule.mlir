// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=fpa schedule=reverse' -canonicalize -cse -loop-invariant-code-motion -cse | FileCheck %s
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=fpa' -canonicalize -cse -loop-invariant-code-motion -cse | FileCheck %s --check-prefix=PAR
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=il schedule=reverse' 2>&1 | FileCheck %s --check-prefix=IL
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=fpa schedule=backward' 2>&1 | FileCheck %s --check-prefix=BAD

func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %w2: tensor<2x5xf32> {pc.role = "param"}) -> tensor<4x2xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.matmul %1, %w2 {transpose_rhs = true} : (tensor<4x5xf32>, tensor<2x5xf32>) -> tensor<4x2xf32>
  return %2 : tensor<4x2xf32>
}

// Reverse sweep: the tanh vertex steps first, and the matmul vertex's drive
// is the tanh vertex's new error of the same step (Gauss-Seidel), so one
// step at rate 1 carries the output error to the first layer.
// CHECK-LABEL: func.func @pcc_train(
// CHECK-SAME: %[[RATE:[^:]*]]: f32, %{{[^:]*}}: f32)
// CHECK-DAG: %[[FWD1:.*]] = pc.tanh
// CHECK-DAG: %[[G:.*]] = tensor.from_elements %[[RATE]]
// CHECK-DAG: %[[A1:.*]] = pc.matmul %{{.*}}, %{{.*}} : (tensor<4x2xf32>, tensor<2x5xf32>)
// CHECK: scf.for {{.*}} iter_args(%[[E0:[^ ]*]] = %{{.*}}, %[[E1:[^ ]*]] = %{{.*}})
// CHECK:   %[[D1:.*]] = pc.sub %[[A1]], %[[E1]]
// CHECK:   %[[S1:.*]] = pc.mul %[[G]], %[[D1]]
// CHECK:   %[[N1:.*]] = pc.add %[[E1]], %[[S1]]
// CHECK:   %[[A0:.*]] = pc.tanh_grad %[[N1]], %[[FWD1]]
// CHECK:   %[[D0:.*]] = pc.sub %[[A0]], %[[E0]]
// CHECK:   %[[S0:.*]] = pc.mul %[[G]], %[[D0]]
// CHECK:   %[[N0:.*]] = pc.add %[[E0]], %[[S0]]
// CHECK:   scf.yield %[[N0]], %[[N1]]

// Parallel (the default): the matmul vertex reads the tanh vertex's error
// of the previous step.
// PAR: scf.for {{.*}} iter_args(%{{[^ ]*}} = %{{.*}}, %[[E1:[^ ]*]] = %{{.*}})
// PAR:   pc.tanh_grad %[[E1]],

// IL: the reverse schedule is for algorithm fpa (a sweep needs the predictions held), got il
// BAD: unknown schedule 'backward' (expected parallel or reverse)
