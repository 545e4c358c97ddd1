// RUN: pcc-opt %s -verify-diagnostics '-pc-build-training=algorithm=bp'

// An op on a parameter's gradient path without local derivatives is an
// error, never a zero gradient.
func.func @no_derivatives(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<3x3xf32> {pc.role = "param"}) -> tensor<4x3xf32> attributes {pc.graph} {
  // expected-error @+1 {{'arith.addf' op is on the gradient path of a parameter but has no local derivatives}}
  %w2 = arith.addf %w, %w : tensor<3x3xf32>
  %0 = pc.matmul %x, %w2 : (tensor<4x3xf32>, tensor<3x3xf32>) -> tensor<4x3xf32>
  %1 = pc.value %0 {vertex = 0} : tensor<4x3xf32>
  %e = pc.error %1, %0 : tensor<4x3xf32>
  %2 = pc.tanh %1 {pc.vertex = 1 : i64, pc.output} : tensor<4x3xf32>
  return %2 : tensor<4x3xf32>
}
