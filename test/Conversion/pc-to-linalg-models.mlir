// RUN: pcc-opt %s -pc-to-linalg -split-input-file | FileCheck %s
//
// The lowering of the ops added for real models: batched products, a
// constant-condition select, normalisation, resizing and its adjoint,
// max reductions, grouped (depthwise) convolution.

// Batched products keep their batch dimension (here 2) in one named op.
// CHECK-LABEL: func @batched_matmul
// CHECK: linalg.batch_matmul_transpose_b ins(%arg0, %arg1 : tensor<2x3x4xf32>, tensor<2x5x4xf32>)
func.func @batched_matmul(%a: tensor<2x3x4xf32>, %b: tensor<2x5x4xf32>) -> tensor<2x3x5xf32> {
  %0 = pc.matmul %a, %b {transpose_rhs = true} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// The constant condition is an i1 operand of one elementwise select.
// CHECK-LABEL: func @where
// CHECK: %[[C:.*]] = arith.constant dense<[true, false, true]> : tensor<3xi1>
// CHECK: linalg.generic {{.*}} ins(%[[C]], %arg0, %arg1 : tensor<3xi1>, tensor<2x3xf32>, tensor<f32>)
// CHECK: arith.select %in, %in_0, %in_1 : f32
func.func @where(%a: tensor<2x3xf32>, %b: tensor<f32>) -> tensor<2x3xf32> {
  %0 = pc.where %a, %b {condition = dense<[true, false, true]> : tensor<3xi1>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// mean, centred input, variance, 1/sqrt(var + eps), then one generic
// for (x - mean) * inv * scale + bias.
// CHECK-LABEL: func @normalize
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.mulf %in, %in
// CHECK: math.rsqrt
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %arg1, %arg2 : tensor<2x3xf32>, tensor<2x1xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @normalize(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = pc.normalize %x, %s, %b {axes = array<i64: 1>, epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Each resized dimension is a contraction with a constant [out, in]
// interpolation matrix (asymmetric nearest, floor: rows 0,0,1,1).
// CHECK-LABEL: func @resize
// CHECK: %[[M:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 0.000000e+00], [1.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00], [0.000000e+00, 1.000000e+00]]> : tensor<4x2xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %[[M]] : tensor<1x1x2x3xf32>, tensor<4x2xf32>)
// CHECK-NOT: linalg.generic
func.func @resize(%x: tensor<1x1x2x3xf32>) -> tensor<1x1x4x3xf32> {
  %0 = pc.resize nearest asymmetric floor %x {scales = array<f32: 1.0, 1.0, 2.0, 1.0>} : (tensor<1x1x2x3xf32>) -> tensor<1x1x4x3xf32>
  return %0 : tensor<1x1x4x3xf32>
}

// -----

// The adjoint contracts with the transposed matrix (linear, half_pixel).
// CHECK-LABEL: func @resize_grad
// CHECK: %[[MT:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 7.500000e-01, 2.500000e-01, 0.000000e+00], [0.000000e+00, 2.500000e-01, 7.500000e-01, 1.000000e+00]]> : tensor<2x4xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[MT]] : tensor<1x1x4x3xf32>, tensor<2x4xf32>)
func.func @resize_grad(%g: tensor<1x1x4x3xf32>) -> tensor<1x1x2x3xf32> {
  %0 = pc.resize_grad linear half_pixel round_prefer_floor %g {scales = array<f32: 1.0, 1.0, 2.0, 1.0>} : (tensor<1x1x4x3xf32>) -> tensor<1x1x2x3xf32>
  return %0 : tensor<1x1x2x3xf32>
}

// -----

// reduce_max_grad shares the cotangent among the elements equal to the
// maximum.
// CHECK-LABEL: func @reduce_max
// CHECK: arith.maximumf %in, %out
// CHECK: arith.cmpf oeq
// CHECK: arith.addf %in, %out
// CHECK: arith.divf
// CHECK: arith.mulf
func.func @reduce_max(%x: tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2x3xf32>) {
  %0 = pc.reduce_max %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  %1 = pc.reduce_max_grad %0, %x, %0 {axes = array<i64: 1>} : (tensor<2x1xf32>, tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x1xf32>, tensor<2x3xf32>
}

// -----

// A depthwise convolution is one grouped im2col and one batched product
// over its 4 groups, not 4 convolutions.
// CHECK-LABEL: func @depthwise_conv
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<1x4x5x5xf32>) outs(%{{.*}} : tensor<4x1x3x3x1x3x3xf32>)
// CHECK: linalg.batch_matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<4x9x9xf32>, tensor<4x1x9xf32>)
// CHECK-NOT: linalg.batch_matmul
// CHECK: linalg.transpose ins(%{{.*}} : tensor<4x1x3x3x1xf32>) outs(%{{.*}} : tensor<1x4x1x3x3xf32>) permutation = [1, 0, 4, 2, 3]
func.func @depthwise_conv(%x: tensor<1x4x5x5xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %0 = pc.conv %x, %w {group = 4, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x5x5xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

