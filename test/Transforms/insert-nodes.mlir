// RUN: pcc-opt %s -pc-insert-nodes -split-input-file -verify-diagnostics | FileCheck %s

// Every activity vertex gets a value and an error node; the output vertex
// gets none; parameter expressions (the transpose of %w) are not vertices.
// CHECK-LABEL: func @mlp
// CHECK:      %[[T:.*]] = pc.transpose %arg1
// CHECK-NOT:  pc.value %[[T]]
// CHECK:      %[[MU0:.*]] = pc.matmul %arg0, %[[T]] {pc.vertex = 0 : i64}
// CHECK-NEXT: %[[X0:.*]] = pc.value %[[MU0]] {vertex = 0 : i64}
// CHECK-NEXT: pc.error %[[X0]], %[[MU0]]
// CHECK-NEXT: %[[MU1:.*]] = pc.tanh %[[X0]] {pc.vertex = 1 : i64}
// CHECK-NEXT: %[[X1:.*]] = pc.value %[[MU1]] {vertex = 1 : i64}
// CHECK-NEXT: pc.error %[[X1]], %[[MU1]]
// CHECK-NEXT: %[[OUT:.*]] = pc.add %[[X1]], %arg2 {pc.output, pc.vertex = 2 : i64}
// CHECK-NEXT: return %[[OUT]]
func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %b: tensor<5xf32> {pc.role = "param"}) -> tensor<4x5xf32> attributes {pc.graph} {
  %t = pc.transpose %w {perm = array<i64: 1, 0>} : (tensor<5x3xf32>) -> tensor<3x5xf32>
  %0 = pc.matmul %x, %t : (tensor<4x3xf32>, tensor<3x5xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.add %1, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}

// -----

// Data movement (reshape, slice, concat, ...) is wiring, not a vertex: no
// value or error node, and no vertex number. The output op is a vertex even
// when it is wiring.
// CHECK-LABEL: func @wiring
// CHECK:      %[[R:.*]] = pc.reshape %arg0 :
// CHECK-NEXT: %[[MU0:.*]] = pc.tanh %[[R]] {pc.vertex = 0 : i64}
// CHECK-NEXT: %[[X0:.*]] = pc.value %[[MU0]] {vertex = 0 : i64}
// CHECK-NEXT: pc.error %[[X0]], %[[MU0]]
// CHECK-NEXT: %[[S:.*]] = pc.slice %[[X0]] {starts
// CHECK-NEXT: %[[C:.*]] = pc.concat %[[S]], %[[X0]] {axis
// CHECK-NEXT: %[[MU1:.*]] = pc.sigmoid %[[C]] {pc.vertex = 1 : i64}
// CHECK-NEXT: %[[X1:.*]] = pc.value %[[MU1]] {vertex = 1 : i64}
// CHECK-NEXT: pc.error %[[X1]], %[[MU1]]
// CHECK-NEXT: %[[OUT:.*]] = pc.reshape %[[X1]] {pc.output, pc.vertex = 2 : i64}
// CHECK-NEXT: return %[[OUT]]
func.func @wiring(%x: tensor<2x6xf32> {pc.role = "input"}) -> tensor<24xf32> attributes {pc.graph} {
  %r = pc.reshape %x : (tensor<2x6xf32>) -> tensor<4x3xf32>
  %0 = pc.tanh %r : tensor<4x3xf32>
  %s = pc.slice %0 {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  %c = pc.concat %s, %0 {axis = 1 : i64} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x6xf32>
  %1 = pc.sigmoid %c : tensor<4x6xf32>
  %2 = pc.reshape %1 : (tensor<4x6xf32>) -> tensor<24xf32>
  return %2 : tensor<24xf32>
}

// -----

// expected-error @+1 {{no function is marked pc.graph}}
module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

func.func @no_derivatives(%x: tensor<4x3xf32> {pc.role = "input"}) -> tensor<4x3xf32> attributes {pc.graph} {
  // expected-error @+1 {{'arith.negf' op cannot be a predictive-coding vertex: it has no local derivatives}}
  %0 = arith.negf %x : tensor<4x3xf32>
  %1 = pc.tanh %0 : tensor<4x3xf32>
  return %1 : tensor<4x3xf32>
}

// -----

// expected-error @+1 {{argument #1 has no pc.role of input, param, frozen or state}}
func.func @no_role(%x: tensor<4x3xf32> {pc.role = "input"}, %y: tensor<4x3xf32>) -> tensor<4x3xf32> attributes {pc.graph} {
  %1 = pc.tanh %x : tensor<4x3xf32>
  return %1 : tensor<4x3xf32>
}

// -----

func.func @output_is_input(%x: tensor<4x3xf32> {pc.role = "input"}) -> tensor<4x3xf32> attributes {pc.graph} {
  // expected-error @+1 {{graph output must be computed from an input by a graph op}}
  return %x : tensor<4x3xf32>
}

// -----

func.func @two_outputs(%x: tensor<4x3xf32> {pc.role = "input"}) -> (tensor<4x3xf32>, tensor<4x3xf32>) attributes {pc.graph} {
  %1 = pc.tanh %x : tensor<4x3xf32>
  // expected-error @+1 {{graph must have exactly one output, has 2}}
  return %1, %1 : tensor<4x3xf32>, tensor<4x3xf32>
}
