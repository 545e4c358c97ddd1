// RUN: pcc-opt %s -pc-to-linalg -verify-diagnostics

// A marker op that the training pass should have removed is an error.
func.func @leftover_value(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{failed to legalize operation 'pc.value'}}
  %0 = pc.value %a {vertex = 0} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
