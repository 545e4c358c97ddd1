// RUN: pcc-opt %s -split-input-file -verify-diagnostics '-pc-build-training=algorithm=il'
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=gd' 2>&1 | FileCheck %s --check-prefix=ALG
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=loss=l1' 2>&1 | FileCheck %s --check-prefix=LOSS

// ALG: unknown algorithm 'gd' (expected il, fpa, zil, bp, epc or ipc)
// LOSS: unknown loss 'l1' (expected mse or ce)

// expected-error @+1 {{graph has no value nodes: run pc-insert-nodes first}}
func.func @not_noded(%x: tensor<4x3xf32> {pc.role = "input"}) -> tensor<4x3xf32> attributes {pc.graph} {
  %1 = pc.tanh %x : tensor<4x3xf32>
  return %1 : tensor<4x3xf32>
}

