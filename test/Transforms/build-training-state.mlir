// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=bp' | FileCheck %s
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=fpa' | FileCheck %s --check-prefix=FPA

// Training-mode batch norm: state arguments (the running estimates) follow
// the parameters in both entry points. pcc_predict computes the inference
// form from the state (x * scale/sqrt(var + eps) + (bias - mean * that));
// pcc_train uses the batch statistics, gets no gradient for the state, and
// returns the updated state (ONNX's momentum rule) after the gradients.
func.func @bn(%x: tensor<2x3x4x4xf32> {pc.role = "input"}, %s: tensor<3xf32> {pc.role = "param"},
              %b: tensor<3xf32> {pc.role = "param"}, %m: tensor<3xf32> {pc.role = "state"},
              %v: tensor<3xf32> {pc.role = "state"}) -> tensor<2x3x4x4xf32> attributes {pc.graph} {
  %h = pc.tanh %x : tensor<2x3x4x4xf32>
  %0 = pc.batch_norm %h, %s, %b, %m, %v {epsilon = 1.0e-5 : f32, momentum = 0.9 : f32} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  %1 = pc.tanh %0 : tensor<2x3x4x4xf32>
  return %1 : tensor<2x3x4x4xf32>
}

// CHECK-LABEL: func.func @pcc_predict(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3x4x4xf32>, %[[S:[^:]*]]: tensor<3xf32>, %[[B:[^:]*]]: tensor<3xf32>, %[[M:[^:]*]]: tensor<3xf32>, %[[V:[^:]*]]: tensor<3xf32>)
// CHECK-NOT: pc.batch_norm
// CHECK: %[[H:.*]] = pc.tanh %[[X]]
// CHECK: %[[VE:.*]] = pc.add %[[V]], %{{.*}} : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
// CHECK: %[[SD:.*]] = pc.sqrt %[[VE]]
// CHECK: %[[A:.*]] = pc.div %[[S]], %[[SD]]
// CHECK: %[[MA:.*]] = pc.mul %[[M]], %[[A]]
// CHECK: %[[SH:.*]] = pc.sub %[[B]], %[[MA]]
// CHECK: pc.mul %[[H]], %{{.*}} : (tensor<2x3x4x4xf32>, tensor<3x1x1xf32>)
// CHECK: pc.tanh
// CHECK: return

// CHECK-LABEL: func.func @pcc_train(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x3x4x4xf32>, %[[T:[^:]*]]: tensor<2x3x4x4xf32>, %[[S:[^:]*]]: tensor<3xf32>, %[[B:[^:]*]]: tensor<3xf32>, %[[M:[^:]*]]: tensor<3xf32>, %[[V:[^:]*]]: tensor<3xf32>, %{{.*}}: index, %{{.*}}: f32)
// CHECK-SAME: -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>)
// CHECK: %[[H:.*]] = pc.tanh %[[X]]
// CHECK: %[[Y:.*]] = pc.batch_norm %[[H]], %[[S]], %[[B]], %[[M]], %[[V]]
// The batch mean and (biased) variance over N, H, W blend into the state.
// CHECK: %[[BM:.*]] = pc.reduce_sum %[[H]] {axes = array<i64: 0, 2, 3>, scale = 3.125000e-02 : f32}
// CHECK: %[[BV:.*]] = pc.reduce_sum %{{.*}} {axes = array<i64: 0, 2, 3>, scale = 3.125000e-02 : f32}
// CHECK: %[[KM:.*]] = pc.mul %[[M]], %{{.*}}
// CHECK: %[[NM:.*]] = pc.add %[[KM]], %{{.*}}
// CHECK: %[[KV:.*]] = pc.mul %[[V]], %{{.*}}
// CHECK: %[[NV:.*]] = pc.add %[[KV]], %{{.*}}
// The scale's gradient reads the standardised input, the input's the
// normalisation adjoint.
// CHECK-DAG: pc.normalize %[[H]], %{{.*}}, %{{.*}} {axes = array<i64: 0, 2, 3>
// CHECK-DAG: pc.normalize_grad %{{.*}}, %[[H]] {axes = array<i64: 0, 2, 3>
// CHECK: return %{{.*}}, %{{.*}}, %[[NM]], %[[NV]], %{{.*}}, %{{.*}}

// fpa holds the training form's predictions: the loop reads the forward
// batch_norm's Jacobian only.
// FPA-LABEL: func.func @pcc_train(
// FPA: pc.batch_norm
// FPA: scf.for
// FPA-NOT: pc.batch_norm
// FPA: pc.normalize_grad
// FPA: scf.yield
