// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=queries=true' -canonicalize -cse -loop-invariant-code-motion -cse -canonicalize | FileCheck %s
// RUN: pcc-opt %s -pc-insert-nodes -pc-build-training | FileCheck %s --check-prefix=NOQUERY

// A latent z -> tanh hidden -> output generator. The importer names each
// vertex by its ONNX tensor (loc("tensor"("node"))); named hidden vertices
// can be clamped by a query.
func.func @gen(%z: tensor<2x3xf32> {pc.role = "input"}, %w: tensor<4x3xf32> {pc.role = "param"},
               %v: tensor<5x4xf32> {pc.role = "param"}) -> tensor<2x5xf32> attributes {pc.graph} {
  %0 = pc.matmul %z, %w {transpose_rhs = true} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32> loc("pre"("fc1"))
  %1 = pc.tanh %0 : tensor<2x4xf32> loc("h1"("act1"))
  %2 = pc.matmul %1, %v {transpose_rhs = true} : (tensor<2x4xf32>, tensor<5x4xf32>) -> tensor<2x5xf32> loc("y"("fc2"))
  return %2 : tensor<2x5xf32>
}

// NOQUERY-NOT: pcc_query

// Arguments: the input and its free mask, the target and its mask, a clamp
// mask and value per named hidden tensor, params, steps, rate, momentum.
// CHECK-LABEL: func.func @pcc_query(
// CHECK-SAME: %[[Z:[^:]*]]: tensor<2x3xf32>, %[[ZFREE:[^:]*]]: tensor<2x3xf32>, %[[T:[^:]*]]: tensor<2x5xf32>, %[[TMASK:[^:]*]]: tensor<2x5xf32>,
// CHECK-SAME: %[[PREMASK:[^:]*]]: tensor<2x4xf32> {pc.name = "pre"}, %[[PREVAL:[^:]*]]: tensor<2x4xf32>,
// CHECK-SAME: %[[H1MASK:[^:]*]]: tensor<2x4xf32> {pc.name = "h1"}, %[[H1VAL:[^:]*]]: tensor<2x4xf32>,
// CHECK-SAME: %[[W:[^:]*]]: tensor<4x3xf32>, %[[V:[^:]*]]: tensor<5x4xf32>, %[[STEPS:[^:]*]]: index, %[[RATE:[^:]*]]: f32, %[[MOM:[^:]*]]: f32)
// CHECK-SAME: -> (tensor<2x3xf32>, tensor<2x5xf32>, tensor<4x3xf32>, tensor<5x4xf32>, tensor<f32>, tensor<f32>) attributes {pc.entry}
// The observed part of the target: 1 - mask.
// CHECK: %[[OBS:.*]] = pc.sub %{{.*}}, %[[TMASK]]
// A clamped hidden value starts at mu + mask * (value - mu) and moves only
// where 1 - mask is 1.
// CHECK: %[[D:.*]] = pc.sub %[[PREVAL]], %[[MU0:.*]] :
// CHECK: %[[C:.*]] = pc.mul %[[PREMASK]], %[[D]]
// CHECK: %[[PRE0:.*]] = pc.add %[[MU0]], %[[C]]
// CHECK: %[[PREFREE:.*]] = pc.sub %{{.*}}, %[[PREMASK]]
// CHECK: %[[RATET:.*]] = tensor.from_elements %[[RATE]]
// CHECK: %[[MOMT:.*]] = tensor.from_elements %[[MOM]]
// The input, both hidden values and the output are carried, then their
// velocities (zero at the start).
// CHECK: scf.for %{{.*}} to %[[STEPS]] {{.*}} iter_args(%[[XZ:[^ ]*]] = %[[Z]], %[[XPRE:[^ ]*]] = %[[PRE0]], %[[XH1:[^ ]*]] = %{{[^ ]*}}, %[[XOUT:[^ ]*]] = %[[T]], %[[VZ:[^ ]*]] = %[[ZERO:[^ ]*]], %{{[^ ]*}} = %{{[^ ]*}}, %{{[^ ]*}} = %{{[^ ]*}}, %{{[^ ]*}} = %{{[^ ]*}})
// The prediction of `pre` is recomputed from the carried input.
// CHECK:   %[[P0:.*]] = pc.matmul %[[XZ]], %[[W]] {transpose_rhs = true}
// CHECK:   %[[P2:.*]] = pc.matmul %[[XH1]], %[[V]] {transpose_rhs = true}
// CHECK:   %[[E0:.*]] = pc.error %[[XPRE]], %[[P0]]
// Output error: the loss error where observed, a value node's where masked.
// CHECK:   %[[LE:.*]] = pc.loss_error mse %[[P2]], %[[XOUT]]
// CHECK:   %[[VE:.*]] = pc.error %[[XOUT]], %[[P2]]
// CHECK:   %[[FE:.*]] = pc.mul %[[TMASK]], %[[VE]]
// CHECK:   %[[OE:.*]] = pc.mul %[[OBS]], %[[LE]]
// CHECK:   pc.add %[[OE]], %[[FE]]
// The input moves by rate * free * v, v = momentum * v + J^T eps (it has
// no error of its own).
// CHECK:   %[[JT:.*]] = pc.matmul %[[E0]], %[[W]] :
// CHECK:   %[[MV:.*]] = pc.mul %[[MOMT]], %[[VZ]]
// CHECK:   %[[NVZ:.*]] = pc.add %[[MV]], %[[JT]]
// CHECK:   %[[S:.*]] = pc.mul %[[RATET]], %[[NVZ]]
// CHECK:   %[[FS:.*]] = pc.mul %[[ZFREE]], %[[S]]
// CHECK:   %[[NZ:.*]] = pc.add %[[XZ]], %[[FS]]
// CHECK:   pc.mul %[[PREFREE]],
// CHECK:   scf.yield %[[NZ]], %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %[[NVZ]],
// The energy: observed loss + masked output errors + hidden errors.
// CHECK: pc.loss mse
// CHECK: pc.half_sq_norm
// CHECK: pc.half_sq_norm
// CHECK: pc.half_sq_norm
// CHECK: return
