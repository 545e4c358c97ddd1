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

// Elementwise ops added for CNNs and RNNs, and their cotangent ops.
// CHECK-LABEL: func @unary_ops
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[G:.*]]: tensor<2x3xf32>)
func.func @unary_ops(%x: tensor<2x3xf32>, %g: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[A:.*]] = pc.abs %[[X]] : tensor<2x3xf32>
  %0 = pc.abs %x : tensor<2x3xf32>
  // CHECK: %[[S:.*]] = pc.sqrt %[[A]] : tensor<2x3xf32>
  %1 = pc.sqrt %0 : tensor<2x3xf32>
  // CHECK: %[[SP:.*]] = pc.softplus %[[S]] : tensor<2x3xf32>
  %2 = pc.softplus %1 : tensor<2x3xf32>
  // CHECK: %[[E:.*]] = pc.elu %[[SP]] {alpha = 5.000000e-01 : f32} : tensor<2x3xf32>
  %3 = pc.elu %2 {alpha = 0.5 : f32} : tensor<2x3xf32>
  // CHECK: %[[C:.*]] = pc.clip %[[E]] {max = 2.000000e+00 : f32, min = -1.000000e+00 : f32} : tensor<2x3xf32>
  %4 = pc.clip %3 {min = -1.0 : f32, max = 2.0 : f32} : tensor<2x3xf32>
  // CHECK: %[[P:.*]] = pc.pow %[[C]] {exponent = 3.000000e+00 : f32} : tensor<2x3xf32>
  %5 = pc.pow %4 {exponent = 3.0 : f32} : tensor<2x3xf32>
  // CHECK: pc.abs_grad %[[G]], %[[X]] : tensor<2x3xf32>
  %6 = pc.abs_grad %g, %x : tensor<2x3xf32>
  // CHECK: pc.sqrt_grad %[[G]], %[[S]] : tensor<2x3xf32>
  %7 = pc.sqrt_grad %g, %1 : tensor<2x3xf32>
  // CHECK: pc.elu_grad %[[G]], %[[SP]] {alpha = 5.000000e-01 : f32} : tensor<2x3xf32>
  %8 = pc.elu_grad %g, %2 {alpha = 0.5 : f32} : tensor<2x3xf32>
  // CHECK: pc.clip_grad %[[G]], %[[E]] {max = 2.000000e+00 : f32, min = -1.000000e+00 : f32} : tensor<2x3xf32>
  %9 = pc.clip_grad %g, %3 {min = -1.0 : f32, max = 2.0 : f32} : tensor<2x3xf32>
  // CHECK: pc.pow_grad %[[G]], %[[C]] {exponent = 3.000000e+00 : f32} : tensor<2x3xf32>
  %10 = pc.pow_grad %g, %4 {exponent = 3.0 : f32} : tensor<2x3xf32>
  return %5 : tensor<2x3xf32>
}

// Data movement and reduction, with the slice and gather adjoints.
// CHECK-LABEL: func @shape_ops
// CHECK-SAME: (%[[X:.*]]: tensor<4x6xf32>, %[[Y:.*]]: tensor<4x2xf32>, %[[V:.*]]: tensor<6xf32>)
func.func @shape_ops(%x: tensor<4x6xf32>, %y: tensor<4x2xf32>, %v: tensor<6xf32>) -> tensor<4x8xf32> {
  // CHECK: %[[S:.*]] = pc.slice %[[X]] {starts = array<i64: 3, 0>, steps = array<i64: -1, 2>} : (tensor<4x6xf32>) -> tensor<4x3xf32>
  %0 = pc.slice %x {starts = array<i64: 3, 0>, steps = array<i64: -1, 2>} : (tensor<4x6xf32>) -> tensor<4x3xf32>
  // CHECK: pc.slice_grad %[[S]] {starts = array<i64: 3, 0>, steps = array<i64: -1, 2>} : (tensor<4x3xf32>) -> tensor<4x6xf32>
  %1 = pc.slice_grad %0 {starts = array<i64: 3, 0>, steps = array<i64: -1, 2>} : (tensor<4x3xf32>) -> tensor<4x6xf32>
  // CHECK: pc.slice_grad %[[S]] into %[[X]] {starts = array<i64: 3, 0>, steps = array<i64: -1, 2>} : (tensor<4x3xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %9 = pc.slice_grad %0 into %x {starts = array<i64: 3, 0>, steps = array<i64: -1, 2>} : (tensor<4x3xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  // CHECK: %[[CAT:.*]] = pc.concat %[[X]], %[[Y]] {axis = 1 : i64} : (tensor<4x6xf32>, tensor<4x2xf32>) -> tensor<4x8xf32>
  %2 = pc.concat %x, %y {axis = 1} : (tensor<4x6xf32>, tensor<4x2xf32>) -> tensor<4x8xf32>
  // CHECK: pc.pad %[[X]] {high = array<i64: 0, 2>, low = array<i64: 1, 0>, value = 5.000000e-01 : f32} : (tensor<4x6xf32>) -> tensor<5x8xf32>
  %3 = pc.pad %x {low = array<i64: 1, 0>, high = array<i64: 0, 2>, value = 0.5 : f32} : (tensor<4x6xf32>) -> tensor<5x8xf32>
  // CHECK: pc.broadcast_to %[[V]] : (tensor<6xf32>) -> tensor<4x6xf32>
  %4 = pc.broadcast_to %v : (tensor<6xf32>) -> tensor<4x6xf32>
  // CHECK: pc.reduce_sum %[[X]] {axes = array<i64: 1>, scale = 2.500000e-01 : f32} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %5 = pc.reduce_sum %x {axes = array<i64: 1>, scale = 0.25 : f32} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  // The default scale 1 is not printed.
  // CHECK: pc.reduce_sum %[[X]] {axes = array<i64: 0, 1>} : (tensor<4x6xf32>) -> tensor<1x1xf32>
  %6 = pc.reduce_sum %x {axes = array<i64: 0, 1>, scale = 1.0 : f32} : (tensor<4x6xf32>) -> tensor<1x1xf32>
  // CHECK: %[[GA:.*]] = pc.gather %[[X]] {axis = 1 : i64, indices = array<i64: 5, 0, 5>} : (tensor<4x6xf32>) -> tensor<4x3xf32>
  %7 = pc.gather %x {axis = 1, indices = array<i64: 5, 0, 5>} : (tensor<4x6xf32>) -> tensor<4x3xf32>
  // CHECK: pc.gather_grad %[[GA]] {axis = 1 : i64, indices = array<i64: 5, 0, 5>} : (tensor<4x3xf32>) -> tensor<4x6xf32>
  %8 = pc.gather_grad %7 {axis = 1, indices = array<i64: 5, 0, 5>} : (tensor<4x3xf32>) -> tensor<4x6xf32>
  // CHECK: return %[[CAT]]
  return %2 : tensor<4x8xf32>
}

// Convolution and pooling with their adjoints. The max pool's 3x3 result
// has a ceil_mode window past the 2x2 windows that fit.
// CHECK-LABEL: func @window_ops
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x5x5xf32>, %[[W:.*]]: tensor<6x2x3x3xf32>, %[[G:.*]]: tensor<1x6x3x3xf32>, %[[P:.*]]: tensor<1x4x3x3xf32>)
func.func @window_ops(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %g: tensor<1x6x3x3xf32>, %p: tensor<1x4x3x3xf32>) -> tensor<1x6x3x3xf32> {
  // CHECK: %[[C:.*]] = pc.conv %[[X]], %[[W]] {dilations = array<i64: 1, 1>, group = 2 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32>
  %0 = pc.conv %x, %w {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32>
  // CHECK: pc.conv_input_grad %[[G]], %[[W]] {dilations = array<i64: 1, 1>, group = 2 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x6x3x3xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x5x5xf32>
  %1 = pc.conv_input_grad %g, %w {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x6x3x3xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x5x5xf32>
  // CHECK: pc.conv_filter_grad %[[G]], %[[X]] {dilations = array<i64: 1, 1>, group = 2 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x6x3x3xf32>, tensor<1x4x5x5xf32>) -> tensor<6x2x3x3xf32>
  %2 = pc.conv_filter_grad %g, %x {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x6x3x3xf32>, tensor<1x4x5x5xf32>) -> tensor<6x2x3x3xf32>
  // CHECK: pc.max_pool %[[X]] {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  %3 = pc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  // CHECK: pc.max_pool_grad %[[P]], %[[X]] {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x3x3xf32>, tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  %4 = pc.max_pool_grad %p, %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x3x3xf32>, tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  // CHECK: pc.avg_pool %[[X]] {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  %5 = pc.avg_pool %x {count_include_pad = true, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  // CHECK: pc.avg_pool_grad %[[P]] {count_include_pad = false, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x3x3xf32>) -> tensor<1x4x5x5xf32>
  %6 = pc.avg_pool_grad %p {count_include_pad = false, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x3x3xf32>) -> tensor<1x4x5x5xf32>
  // CHECK: return %[[C]]
  return %0 : tensor<1x6x3x3xf32>
}

// The ops added for the model zoo.
// CHECK-LABEL: func @real_model_ops
func.func @real_model_ops(%x: tensor<2x3x4xf32>, %w: tensor<2x4x5xf32>, %c: tensor<3xf32>,
                          %img: tensor<2x3x4x4xf32>) -> tensor<2x3x5xf32> {
  // CHECK: pc.matmul %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  %0 = pc.matmul %x, %w : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  // CHECK: pc.erf %{{.*}} : tensor<2x3x5xf32>
  %1 = pc.erf %0 : tensor<2x3x5xf32>
  // CHECK: pc.hard_sigmoid %{{.*}} {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32} : tensor<2x3x5xf32>
  %2 = pc.hard_sigmoid %1 {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<2x3x5xf32>
  // CHECK: pc.hard_swish %{{.*}} : tensor<2x3x5xf32>
  %3 = pc.hard_swish %2 : tensor<2x3x5xf32>
  // CHECK: pc.max %{{.*}}, %{{.*}} : (tensor<2x3x5xf32>, tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %4 = pc.max %3, %1 : (tensor<2x3x5xf32>, tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  // CHECK: pc.min %{{.*}}, %{{.*}} : (tensor<2x3x5xf32>, tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %5 = pc.min %4, %1 : (tensor<2x3x5xf32>, tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  // CHECK: pc.where %{{.*}}, %{{.*}} {condition = dense<[true, false, true, false, true]> : tensor<5xi1>}
  %6 = pc.where %5, %4 {condition = dense<[true, false, true, false, true]> : tensor<5xi1>} : (tensor<2x3x5xf32>, tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  // CHECK: pc.normalize %{{.*}}, %{{.*}}, %{{.*}} {axes = array<i64: 2>, epsilon = 9.99999974E-6 : f32}
  %7 = pc.normalize %6, %one, %one {axes = array<i64: 2>, epsilon = 1.0e-5 : f32} : (tensor<2x3x5xf32>, tensor<f32>, tensor<f32>) -> tensor<2x3x5xf32>
  // CHECK: pc.reduce_max %{{.*}} {axes = array<i64: 1>} : (tensor<2x3x5xf32>) -> tensor<2x1x5xf32>
  %8 = pc.reduce_max %7 {axes = array<i64: 1>} : (tensor<2x3x5xf32>) -> tensor<2x1x5xf32>
  // CHECK: pc.batch_norm %{{.*}} {epsilon = 9.99999974E-6 : f32, momentum = 0.899999976 : f32}
  %9 = pc.batch_norm %img, %c, %c, %c, %c {epsilon = 1.0e-5 : f32, momentum = 0.9 : f32} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: pc.resize nearest asymmetric floor %{{.*}} {scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>}
  %10 = pc.resize nearest asymmetric floor %9 {scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : (tensor<2x3x4x4xf32>) -> tensor<2x3x8x8xf32>
  // CHECK: pc.resize_grad linear half_pixel round_prefer_floor %{{.*}} {scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>}
  %11 = pc.resize_grad linear half_pixel round_prefer_floor %10 {scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : (tensor<2x3x8x8xf32>) -> tensor<2x3x4x4xf32>
  return %7 : tensor<2x3x5xf32>
}
