// RUN: pcc-opt %s '-pc-entry-points=prefix=net' | FileCheck %s

// Tensor arguments become memrefs read through restrict to_tensor, scalars
// stay, and the results are written into memrefs appended to the arguments.
// CHECK-LABEL: func.func @net_kernel_train(
// CHECK-SAME: %[[X:.*]]: memref<4x3xf32>, %[[N:.*]]: index, %[[R:.*]]: f32, %[[OUT:.*]]: memref<4x3xf32>, %[[LOSS:.*]]: memref<f32>)
// CHECK-SAME: attributes {pc.algorithm = "il", pc.kernel}
// CHECK: %[[XT:.*]] = bufferization.to_tensor %[[X]] restrict : memref<4x3xf32>
// CHECK: %[[Y:.*]] = pc.tanh %[[XT]]
// CHECK: bufferization.materialize_in_destination %[[Y]] in restrict writable %[[OUT]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[LOSS]]
// CHECK: return
// CHECK-NOT: func.func @pcc_train
// Functions that are not entries are left alone.
// CHECK-LABEL: func.func @helper(
// CHECK-SAME: tensor<2xf32>
func.func @pcc_train(%x: tensor<4x3xf32>, %n: index, %r: f32) -> (tensor<4x3xf32>, tensor<f32>) attributes {pc.entry, pc.algorithm = "il"} {
  %0 = pc.tanh %x : tensor<4x3xf32>
  %1 = pc.half_sq_norm %0 : tensor<4x3xf32> -> tensor<f32>
  return %0, %1 : tensor<4x3xf32>, tensor<f32>
}
func.func @helper(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
