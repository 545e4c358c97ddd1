// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=nudging=positive nudge-beta=0.25' -canonicalize -cse -loop-invariant-code-motion -cse -canonicalize | FileCheck %s --check-prefix=POS
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=nudging=negative nudge-beta=0.25' -canonicalize -cse | FileCheck %s --check-prefix=NEG
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=nudging=centred nudge-beta=0.25' -canonicalize -cse | FileCheck %s --check-prefix=CEN
// RUN: pcc-opt %s -pc-insert-nodes -pc-build-training -canonicalize -cse | FileCheck %s --check-prefix=NONE
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=fpa nudging=positive' 2>&1 | FileCheck %s --check-prefix=FPA
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=nudging=up' 2>&1 | FileCheck %s --check-prefix=BADNAME
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=nudging=positive nudge-beta=0' 2>&1 | FileCheck %s --check-prefix=BADBETA

func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %b: tensor<5xf32> {pc.role = "param"}) -> tensor<4x5xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.add %1, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}

// Positive nudge: the output error is beta times the loss error in every
// relaxation step and at the end; every error is then divided by beta on
// its way to the parameter gradients; the energy's loss term is beta * L.
// POS-LABEL: func.func @pcc_train(
// POS-DAG: %[[INV:.*]] = arith.constant dense<4.000000e+00> : tensor<f32>
// POS-DAG: %[[BETA:.*]] = arith.constant dense<2.500000e-01> : tensor<f32>
// POS: scf.for
// POS:   %[[E:.*]] = pc.loss_error mse
// POS:   %[[NE:.*]] = pc.mul %[[BETA]], %[[E]]
// POS:   pc.sub %[[NE]], %{{.*}}
// POS:   scf.yield
// POS: %[[F0:.*]] = pc.error %{{.*}}#0
// POS: %[[FE:.*]] = pc.loss_error mse
// POS: %[[FN:.*]] = pc.mul %[[BETA]], %[[FE]]
// POS: %[[GO:.*]] = pc.mul %[[INV]], %[[FN]]
// POS: pc.sum_to %[[GO]]
// POS: %[[G0:.*]] = pc.mul %[[INV]], %[[F0]]
// POS: pc.matmul %[[G0]], %{{.*}} {transpose_lhs = true}
// POS: %[[L:.*]] = pc.loss mse
// POS: pc.mul %[[BETA]], %[[L]]
// POS-NOT: scf.for

// Negative nudge: -beta on the output error, -1/beta on the way back.
// NEG-LABEL: func.func @pcc_train(
// NEG-DAG: arith.constant dense<-4.000000e+00> : tensor<f32>
// NEG-DAG: arith.constant dense<-2.500000e-01> : tensor<f32>
// NEG: scf.for
// NEG-NOT: scf.for

// Centred: two relaxations, at +beta and at -beta, whose estimates are
// averaged (each error times +-1/(2 beta) into the same gradients).
// CEN-LABEL: func.func @pcc_train(
// CEN-DAG: %[[P:.*]] = arith.constant dense<2.500000e-01> : tensor<f32>
// CEN-DAG: %[[M:.*]] = arith.constant dense<-2.500000e-01> : tensor<f32>
// CEN-DAG: %[[HP:.*]] = arith.constant dense<2.000000e+00> : tensor<f32>
// CEN-DAG: %[[HM:.*]] = arith.constant dense<-2.000000e+00> : tensor<f32>
// CEN: scf.for
// CEN:   pc.mul %[[P]], %{{.*}}
// CEN: pc.mul %[[HP]], %{{.*}}
// CEN: scf.for
// CEN:   pc.mul %[[M]], %{{.*}}
// CEN: pc.mul %[[HM]], %{{.*}}
// CEN-NOT: scf.for
// CEN: return

// No nudge: plain il, no scaling at all.
// NONE-LABEL: func.func @pcc_train(
// NONE-NOT: arith.constant dense<{{.*}}> : tensor<f32>
// NONE: scf.for
// NONE-NOT: scf.for
// NONE: return

// FPA: nudging is for algorithm il (the others hold the predictions, where a nudge changes nothing), got fpa
// BADNAME: unknown nudging 'up' (expected none, positive, negative or centred)
// BADBETA: nudge-beta must be a positive number, got 0
