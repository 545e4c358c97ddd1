// RUN: pcc-opt %s -pc-outline-kernels | FileCheck %s

// Every linalg op of an entry function becomes a call; two identical ops
// (same op, attributes, operand types and body) share one no_inline kernel,
// a different body gets its own; constants the body reads from outside are
// copied in, so a different constant is a different kernel.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @pcc_kernel_train
// CHECK: call @pcc_op0(%arg0, %arg1)
// CHECK: call @pcc_op0(%arg1, %arg2)
// CHECK: call @pcc_op1(%arg0, %arg2)
// CHECK: call @pcc_op2(%{{.*}}, %arg2)
// CHECK-NOT: linalg.
// CHECK: return
func.func @pcc_kernel_train(%a: memref<4xf32>, %b: memref<4xf32>, %c: memref<4xf32>) attributes {pc.kernel} {
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : memref<4xf32>) outs(%b : memref<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %two : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%b : memref<4xf32>) outs(%c : memref<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %two : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : memref<4xf32>) outs(%c : memref<4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %three : f32
    linalg.yield %m : f32
  }
  linalg.fill ins(%two : f32) outs(%c : memref<4xf32>)
  return
}

// Functions that are not entry kernels are left alone.
// CHECK-LABEL: func.func @helper
// CHECK: linalg.fill
func.func @helper(%c: memref<4xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<4xf32>)
  return
}

// CHECK: func.func private @pcc_op0(%{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32>) attributes {no_inline}
// CHECK: linalg.generic
// CHECK: arith.constant 2.000000e+00 : f32
// CHECK: func.func private @pcc_op1(
// CHECK: linalg.generic
// CHECK: arith.constant 3.000000e+00 : f32
// CHECK: func.func private @pcc_op2(%{{.*}}: f32, %{{.*}}: memref<4xf32>) attributes {no_inline}
// CHECK: linalg.fill
