// RUN: pcc-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{operand shapes do not broadcast}}
  %0 = pc.add %a, %b : (tensor<4x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @bad_broadcast_result(%a: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{result shape must be the broadcast shape}}
  %0 = pc.mul %a, %b : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @bad_contraction(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{contraction dimensions differ: 3 vs 4}}
  %0 = pc.matmul %a, %b : (tensor<4x3xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<2x4x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{operands and result must be 2-D}}
  %0 = pc.matmul %a, %b : (tensor<2x4x3xf32>, tensor<3x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @bad_reshape(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{element count changes from 12 to 10}}
  %0 = pc.reshape %a : (tensor<4x3xf32>) -> tensor<10xf32>
  return
}

// -----

func.func @bad_perm(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = pc.transpose %a {perm = array<i64: 0, 0>} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @bad_axis(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = pc.softmax %a {axis = 2} : tensor<4x3xf32>
  return
}

// -----

func.func @bad_sum_to(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{result shape must broadcast to the input shape}}
  %0 = pc.sum_to %a : (tensor<4x3xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @bad_loss(%y: tensor<4x3xf32>, %t: tensor<4x2xf32>) {
  // expected-error @+1 {{target type must equal output type}}
  %0 = pc.loss mse %y, %t : tensor<4x3xf32>, tensor<4x2xf32> -> tensor<f32>
  return
}

// -----

func.func @dynamic(%a: tensor<?x3xf32>) {
  // expected-error @+1 {{must be statically shaped tensor of 32-bit float values}}
  %0 = pc.relu %a : tensor<?x3xf32>
  return
}
