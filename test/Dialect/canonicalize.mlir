// RUN: pcc-opt %s -canonicalize -split-input-file | FileCheck %s

// A sum of slice adjoints becomes one chain of window updates: the first
// scatter into zeros, the others added into it.
// CHECK-LABEL: func @sum_of_slice_grads
// CHECK-SAME: (%[[A:.*]]: tensor<4x2xf32>, %[[B:.*]]: tensor<4x2xf32>, %[[C:.*]]: tensor<4x2xf32>)
// CHECK:      %[[S0:.*]] = pc.slice_grad %[[A]] {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<4x2xf32>) -> tensor<4x6xf32>
// CHECK-NEXT: %[[S1:.*]] = pc.slice_grad %[[B]] into %[[S0]] {starts = array<i64: 0, 2>, steps = array<i64: 1, 1>}
// CHECK-NEXT: %[[S2:.*]] = pc.slice_grad %[[C]] into %[[S1]] {starts = array<i64: 0, 4>, steps = array<i64: 1, 1>}
// CHECK-NEXT: return %[[S2]]
func.func @sum_of_slice_grads(%a: tensor<4x2xf32>, %b: tensor<4x2xf32>, %c: tensor<4x2xf32>) -> tensor<4x6xf32> {
  %0 = pc.slice_grad %a {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<4x2xf32>) -> tensor<4x6xf32>
  %1 = pc.slice_grad %b {starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : (tensor<4x2xf32>) -> tensor<4x6xf32>
  %2 = pc.add %0, %1 : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %3 = pc.slice_grad %c {starts = array<i64: 0, 4>, steps = array<i64: 1, 1>} : (tensor<4x2xf32>) -> tensor<4x6xf32>
  %4 = pc.add %3, %2 : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  return %4 : tensor<4x6xf32>
}

// -----

// Left alone: the scatter has another use, and a broadcasting sum.
// CHECK-LABEL: func @kept
// CHECK: %[[S:.*]] = pc.slice_grad %{{.*}} {starts
// CHECK: pc.add %{{.*}}, %[[S]]
// CHECK: pc.add %{{.*}}, %[[S]]
// CHECK: %[[T:.*]] = pc.slice_grad %{{.*}} {starts
// CHECK: pc.add %[[T]], %{{.*}} : (tensor<4x6xf32>, tensor<6xf32>)
func.func @kept(%a: tensor<4x2xf32>, %x: tensor<4x6xf32>, %y: tensor<4x6xf32>, %v: tensor<6xf32>) -> (tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>) {
  %0 = pc.slice_grad %a {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<4x2xf32>) -> tensor<4x6xf32>
  %1 = pc.add %x, %0 : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %2 = pc.add %y, %0 : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %3 = pc.slice_grad %a {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<4x2xf32>) -> tensor<4x6xf32>
  %4 = pc.add %3, %v : (tensor<4x6xf32>, tensor<6xf32>) -> tensor<4x6xf32>
  return %1, %2, %4 : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>
}
