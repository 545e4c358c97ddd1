// RUN: pcc-opt %s '-pc-insert-nodes=vertices=layer' -split-input-file | FileCheck %s
// RUN: pcc-opt %s -pc-insert-nodes -split-input-file | FileCheck %s --check-prefix=OP
// RUN: not pcc-opt %s '-pc-insert-nodes=vertices=block' -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: pcc-opt %s '-pc-insert-nodes=vertices=layer' -pc-build-training -split-input-file | FileCheck %s --check-prefix=TRAIN

// BAD: unknown vertices 'block' (expected op or layer)

// A layer tanh(x W^T + b) is one vertex: the matmul and the bias add join
// the tanh, which alone gets a value and an error node. The output layer
// (matmul, bias add) is the output vertex.
// CHECK-LABEL: func @mlp
// CHECK: %[[MM:.*]] = pc.matmul %arg0, %arg1 {transpose_rhs = true}
// CHECK-NEXT: %[[B:.*]] = pc.add %[[MM]], %arg2 :
// CHECK-NEXT: %[[H:.*]] = pc.tanh %[[B]] {pc.vertex = 0 : i64}
// CHECK-NEXT: %[[HV:.*]] = pc.value %[[H]] {vertex = 0 : i64}
// CHECK-NEXT: pc.error %[[HV]], %[[H]]
// CHECK-NEXT: %[[MM2:.*]] = pc.matmul %[[HV]], %arg3 {transpose_rhs = true}
// CHECK-NEXT: pc.add %[[MM2]], %arg4 {pc.output, pc.vertex = 1 : i64}
// CHECK-NOT: pc.value
// With op vertices every op is one.
// OP-LABEL: func @mlp
// OP-COUNT-4: pc.value
// OP-NOT: pc.value
// OP: return
// The relaxation carries the one hidden value; its prediction recomputes
// the whole layer from the input.
// TRAIN-LABEL: func.func @pcc_train(
// TRAIN: scf.for {{.*}} iter_args(%[[X:[^ ]*]] = %{{[^ ]*}}) -> (tensor<2x4xf32>)
// TRAIN: pc.matmul %[[X]], %{{.*}} {transpose_rhs = true}
// TRAIN: scf.yield
func.func @mlp(%x: tensor<2x3xf32> {pc.role = "input"}, %w: tensor<4x3xf32> {pc.role = "param"},
               %b: tensor<4xf32> {pc.role = "param"}, %v: tensor<5x4xf32> {pc.role = "param"},
               %c: tensor<5xf32> {pc.role = "param"}) -> tensor<2x5xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  %1 = pc.add %0, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %2 = pc.tanh %1 : tensor<2x4xf32>
  %3 = pc.matmul %2, %v {transpose_rhs = true} : (tensor<2x4xf32>, tensor<5x4xf32>) -> tensor<2x5xf32>
  %4 = pc.add %3, %c : (tensor<2x5xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  return %4 : tensor<2x5xf32>
}

// -----

// What does not join a layer: an op read twice (the matmul feeds the
// residual sum and the relu), a sum of two activities (the residual add),
// and an activation of an op without parameters (the relu after the
// residual sum joins nothing: the sum is no layer head).
// CHECK-LABEL: func @residual
// CHECK: %[[MM:.*]] = pc.matmul %arg0, %arg1 {pc.vertex = 0 : i64}
// CHECK-NEXT: %[[MV:.*]] = pc.value %[[MM]] {vertex = 0 : i64}
// CHECK: %[[R:.*]] = pc.relu %[[MV]] {pc.vertex = 1 : i64}
// CHECK: %[[S:.*]] = pc.add %{{.*}}, %{{.*}} {pc.vertex = 2 : i64}
// CHECK: %[[R2:.*]] = pc.relu %{{.*}} {pc.vertex = 3 : i64}
// CHECK: pc.reduce_sum %{{.*}} {axes = array<i64: 1>, pc.output
func.func @residual(%x: tensor<2x4xf32> {pc.role = "input"}, %w: tensor<4x4xf32> {pc.role = "param"})
    -> tensor<2x1xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %1 = pc.relu %0 : tensor<2x4xf32>
  %2 = pc.add %1, %0 : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %3 = pc.relu %2 : tensor<2x4xf32>
  %4 = pc.reduce_sum %3 {axes = array<i64: 1>, scale = 1.0 : f32} : (tensor<2x4xf32>) -> tensor<2x1xf32>
  return %4 : tensor<2x1xf32>
}
