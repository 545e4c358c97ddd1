// RUN: pcc-opt %s | pcc-opt | FileCheck %s

// CHECK-LABEL: func @graph_ops
func.func @graph_ops(%x: tensor<4x3xf32>, %w: tensor<5x3xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  // CHECK: pc.matmul %{{.*}}, %{{.*}} {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  // CHECK: pc.add %{{.*}}, %{{.*}} : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %1 = pc.add %0, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  // CHECK: pc.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f32} : tensor<4x5xf32>
  %2 = pc.leaky_relu %1 {alpha = 0.2 : f32} : tensor<4x5xf32>
  // CHECK: pc.softmax %{{.*}} {axis = 1 : i64} : tensor<4x5xf32>
  %3 = pc.softmax %2 {axis = 1} : tensor<4x5xf32>
  // CHECK: pc.transpose %{{.*}} {perm = array<i64: 1, 0>} : (tensor<4x5xf32>) -> tensor<5x4xf32>
  %4 = pc.transpose %3 {perm = array<i64: 1, 0>} : (tensor<4x5xf32>) -> tensor<5x4xf32>
  // CHECK: pc.reshape %{{.*}} : (tensor<5x4xf32>) -> tensor<4x5xf32>
  %5 = pc.reshape %4 : (tensor<5x4xf32>) -> tensor<4x5xf32>
  // CHECK: pc.sum_to %{{.*}} : (tensor<4x5xf32>) -> tensor<5xf32>
  %6 = pc.sum_to %5 : (tensor<4x5xf32>) -> tensor<5xf32>
  return %5 : tensor<4x5xf32>
}

// CHECK-LABEL: func @pc_ops
func.func @pc_ops(%y: tensor<4x5xf32>, %t: tensor<4x5xf32>) -> tensor<f32> {
  // CHECK: pc.value %{{.*}} {vertex = 3 : i64} : tensor<4x5xf32>
  %x = pc.value %y {vertex = 3} : tensor<4x5xf32>
  // CHECK: pc.error %{{.*}}, %{{.*}} : tensor<4x5xf32>
  %e = pc.error %x, %y : tensor<4x5xf32>
  // CHECK: pc.loss ce %{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<f32>
  %l = pc.loss ce %y, %t : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<f32>
  // CHECK: pc.loss_error mse %{{.*}}, %{{.*}} : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  %o = pc.loss_error mse %y, %t : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  // CHECK: pc.half_sq_norm %{{.*}} : tensor<4x5xf32> -> tensor<f32>
  %n = pc.half_sq_norm %e : tensor<4x5xf32> -> tensor<f32>
  return %l : tensor<f32>
}
