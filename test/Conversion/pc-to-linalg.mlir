// RUN: pcc-opt %s -pc-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @broadcast_add
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x5xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<4x5xf32>, tensor<5xf32>) outs(%[[E]] : tensor<4x5xf32>)
// CHECK: arith.addf
func.func @broadcast_add(%a: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  %0 = pc.add %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// CHECK-DAG: #[[PIN:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func @stretch_size_one
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[PIN]], #{{.*}}]
// CHECK: arith.mulf
func.func @stretch_size_one(%a: tensor<4x5xf32>, %b: tensor<1x5xf32>) -> tensor<4x5xf32> {
  %0 = pc.mul %a, %b : (tensor<4x5xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func @matmuls
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%arg0, %arg1 : tensor<4x5xf32>, tensor<5x3xf32>) outs(%[[Z]] : tensor<4x3xf32>)
// CHECK: linalg.matmul_transpose_b ins(%arg0, %arg2 : tensor<4x5xf32>, tensor<3x5xf32>)
// CHECK: linalg.matmul_transpose_a ins(%arg3, %arg1 : tensor<5x4xf32>, tensor<5x3xf32>)
// CHECK: %[[AT:.*]] = linalg.transpose ins(%arg3 : tensor<5x4xf32>) outs(%{{.*}} : tensor<4x5xf32>) permutation = [1, 0]
// CHECK: linalg.matmul_transpose_b ins(%[[AT]], %arg2 : tensor<4x5xf32>, tensor<3x5xf32>)
func.func @matmuls(%a: tensor<4x5xf32>, %b: tensor<5x3xf32>, %bt: tensor<3x5xf32>, %at: tensor<5x4xf32>)
    -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %0 = pc.matmul %a, %b : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
  %1 = pc.matmul %a, %bt {transpose_rhs = true} : (tensor<4x5xf32>, tensor<3x5xf32>) -> tensor<4x3xf32>
  %2 = pc.matmul %at, %b {transpose_lhs = true} : (tensor<5x4xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
  %3 = pc.matmul %at, %bt {transpose_lhs = true, transpose_rhs = true} : (tensor<5x4xf32>, tensor<3x5xf32>) -> tensor<4x3xf32>
  return %0, %1, %2, %3 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// sum_to reduces the broadcast dimensions with a projected-permutation
// output map and restores size-1 dimensions by reshaping.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func @sum_to
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["reduction", "reduction", "parallel"]}
// CHECK: arith.addf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, 5] : tensor<5xf32> into tensor<1x5xf32>
func.func @sum_to(%g: tensor<2x4x5xf32>) -> tensor<1x5xf32> {
  %0 = pc.sum_to %g : (tensor<2x4x5xf32>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

// Cross-entropy: a max-shifted log-sum-exp per row, then the batch mean.
// CHECK-LABEL: func @ce_loss
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.constant 2.500000e-01 : f32
func.func @ce_loss(%y: tensor<4x5xf32>, %t: tensor<4x5xf32>) -> tensor<f32> {
  %0 = pc.loss ce %y, %t : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// The MSE output error is (t - y) / B.
// CHECK-LABEL: func @mse_error
// CHECK: linalg.generic {{.*}} ins(%arg1, %arg0
// CHECK: %[[D:.*]] = arith.subf %in, %in_0 : f32
// CHECK: %[[S:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: arith.mulf %[[D]], %[[S]] : f32
func.func @mse_error(%y: tensor<4x5xf32>, %t: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = pc.loss_error mse %y, %t : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// With the sum reduction the losses and errors are not divided by B.
// CHECK-LABEL: func @sum_reduction
// CHECK-NOT: 2.500000e-01
// CHECK: %[[H:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: arith.mulf %{{.*}}, %[[H]] : f32
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: arith.mulf %{{.*}}, %[[ONE]] : f32
// CHECK-NOT: 2.500000e-01
// CHECK: return
func.func @sum_reduction(%y: tensor<4x5xf32>, %t: tensor<4x5xf32>) -> (tensor<f32>, tensor<4x5xf32>) {
  %0 = pc.loss mse reduction(sum) %y, %t : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<f32>
  %1 = pc.loss_error mse reduction(sum) %y, %t : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  return %0, %1 : tensor<f32>, tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func @relu_grad
// CHECK: arith.cmpf ogt
// CHECK: arith.select
func.func @relu_grad(%g: tensor<4x5xf32>, %y: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = pc.relu_grad %g, %y : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Adam's updates are one elementwise pass each, with the runtime's
// evaluation order; the scalars are broadcast reads.
// CHECK-LABEL: func @adam
// CHECK: linalg.generic {{.*}} ins(%arg1, %arg3 : tensor<4x5xf32>, tensor<4x5xf32>)
// CHECK:   ^bb0(%[[M:.*]]: f32, %[[G:.*]]: f32, %{{.*}}: f32):
// CHECK:     %[[A:.*]] = arith.mulf %{{.*}}, %[[G]]
// CHECK:     %[[B:.*]] = arith.mulf %{{.*}}, %[[M]]
// CHECK:     arith.addf %[[B]], %[[A]]
// CHECK: linalg.generic {{.*}} ins(%arg2, %arg3 : tensor<4x5xf32>, tensor<4x5xf32>)
// CHECK:   ^bb0(%[[V:.*]]: f32, %[[G2:.*]]: f32, %{{.*}}: f32):
// CHECK:     %[[C:.*]] = arith.mulf %{{.*}}, %[[G2]]
// CHECK:     %[[D:.*]] = arith.mulf %[[C]], %[[G2]]
// CHECK:     %[[E:.*]] = arith.mulf %{{.*}}, %[[V]]
// CHECK:     arith.addf %[[E]], %[[D]]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #[[S:[^,]*]], #[[S]], #{{.*}}]{{.*}} ins(%arg0, %{{.*}}, %{{.*}}, %arg4, %arg5 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<f32>, tensor<f32>)
// CHECK:   ^bb0(%[[P:.*]]: f32, %[[M1:.*]]: f32, %[[V1:.*]]: f32, %[[LR:.*]]: f32, %[[CO:.*]]: f32, %{{.*}}: f32):
// CHECK:     %[[R:.*]] = math.sqrt %[[V1]]
// CHECK:     %[[Q:.*]] = arith.divf %[[R]], %[[CO]]
// CHECK:     %[[DEN:.*]] = arith.addf %[[Q]], %{{.*}}
// CHECK:     %[[NUM:.*]] = arith.mulf %[[LR]], %[[M1]]
// CHECK:     %[[STEP:.*]] = arith.divf %[[NUM]], %[[DEN]]
// CHECK:     arith.subf %[[P]], %[[STEP]]
func.func @adam(%p: tensor<4x5xf32>, %m: tensor<4x5xf32>, %v: tensor<4x5xf32>,
                %g: tensor<4x5xf32>, %s: tensor<f32>, %c: tensor<f32>) -> tensor<4x5xf32> {
  %0 = pc.moving_average %m, %g {beta = 0.9 : f32} : tensor<4x5xf32>
  %1 = pc.moving_average %v, %g {beta = 0.999 : f32, squared} : tensor<4x5xf32>
  %2 = pc.adam_update %p, %0, %1, %s, %c {epsilon = 1.0e-8 : f32} : tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func @reshape
// CHECK: %[[F:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<4x6xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %[[F]] {{\[\[}}0, 1, 2]] output_shape [2, 3, 4] : tensor<24xf32> into tensor<2x3x4xf32>
func.func @reshape(%a: tensor<4x6xf32>) -> tensor<2x3x4xf32> {
  %0 = pc.reshape %a : (tensor<4x6xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

