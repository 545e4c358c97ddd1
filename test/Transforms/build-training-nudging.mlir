// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=nudge-mode=positive' -canonicalize -cse -loop-invariant-code-motion -cse -canonicalize | FileCheck %s --check-prefix=POS
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=nudge-mode=negative' -canonicalize -cse | FileCheck %s --check-prefix=NEG
// RUN: pcc-opt %s -pc-insert-nodes '-pc-build-training=nudge-mode=centered' -canonicalize -cse | FileCheck %s --check-prefix=CEN
// RUN: pcc-opt %s -pc-insert-nodes -pc-build-training -canonicalize -cse | FileCheck %s --check-prefix=NONE
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=algorithm=fpa nudge-mode=positive' 2>&1 | FileCheck %s --check-prefix=FPA
// RUN: not pcc-opt %s -pc-insert-nodes '-pc-build-training=nudge-mode=up' 2>&1 | FileCheck %s --check-prefix=BADNAME

func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %b: tensor<5xf32> {pc.role = "param"}) -> tensor<4x5xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.add %1, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}

// Positive nudge: beta is pcc_train's last scalar argument. The output
// error is beta times the loss error in every relaxation step and at the
// end; every error is then divided by beta on its way to the parameter
// gradients; the energy's loss term is beta * L.
// POS-LABEL: func.func @pcc_train(
// POS-SAME: %[[STEPS:[^:]*]]: index, %[[RATE:[^:]*]]: f32, %[[BETA:[^:]*]]: f32)
// POS-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// POS-DAG: %[[INV:.*]] = arith.divf %[[ONE]], %[[BETA]] : f32
// POS-DAG: %[[INVT:.*]] = tensor.from_elements %[[INV]] : tensor<f32>
// POS-DAG: %[[BT:.*]] = tensor.from_elements %[[BETA]] : tensor<f32>
// POS: scf.for
// POS:   %[[E:.*]] = pc.loss_error mse
// POS:   %[[NE:.*]] = pc.mul %[[BT]], %[[E]]
// POS:   pc.sub %[[NE]], %{{.*}}
// POS:   scf.yield
// POS: %[[F0:.*]] = pc.error %{{.*}}#0
// POS: %[[FE:.*]] = pc.loss_error mse
// POS: %[[FN:.*]] = pc.mul %[[BT]], %[[FE]]
// POS: %[[GO:.*]] = pc.mul %[[INVT]], %[[FN]]
// POS: pc.sum_to %[[GO]]
// POS: %[[G0:.*]] = pc.mul %[[INVT]], %[[F0]]
// POS: pc.matmul %[[G0]], %{{.*}} {transpose_lhs = true}
// POS: %[[L:.*]] = pc.loss mse
// POS: pc.mul %[[BT]], %[[L]]
// POS-NOT: scf.for

// Negative nudge: -beta on the output error, -1/beta on the way back.
// NEG-LABEL: func.func @pcc_train(
// NEG-SAME: %[[BETA:[^:]*]]: f32)
// NEG-DAG: %[[M1:.*]] = arith.constant -1.000000e+00 : f32
// NEG-DAG: arith.divf %[[M1]], %[[BETA]] : f32
// NEG-DAG: arith.mulf %[[BETA]], %[[M1]] : f32
// NEG: scf.for
// NEG-NOT: scf.for

// Centered: two relaxations, at +beta and at -beta, whose estimates are
// averaged (each error times +-1/(2 beta) into the same gradients).
// CEN-LABEL: func.func @pcc_train(
// CEN-SAME: %[[BETA:[^:]*]]: f32)
// CEN-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CEN-DAG: %[[MHALF:.*]] = arith.constant -5.000000e-01 : f32
// CEN: %[[HP:.*]] = arith.divf %[[HALF]], %[[BETA]] : f32
// CEN: %[[HPT:.*]] = tensor.from_elements %[[HP]]
// CEN: %[[BT:.*]] = tensor.from_elements %[[BETA]]
// CEN: scf.for
// CEN:   pc.mul %[[BT]], %{{.*}}
// CEN: pc.mul %[[HPT]], %{{.*}}
// CEN: %[[HM:.*]] = arith.divf %[[MHALF]], %[[BETA]] : f32
// CEN: %[[HMT:.*]] = tensor.from_elements %[[HM]]
// CEN: %[[MB:.*]] = arith.mulf %[[BETA]], %{{.*}} : f32
// CEN: %[[MBT:.*]] = tensor.from_elements %[[MB]]
// CEN: scf.for
// CEN:   pc.mul %[[MBT]], %{{.*}}
// CEN: pc.mul %[[HMT]], %{{.*}}
// CEN-NOT: scf.for
// CEN: return

// No nudge: plain il; the beta argument is there and unused.
// NONE-LABEL: func.func @pcc_train(
// NONE-SAME: %{{[^:]*}}: index, %{{[^:]*}}: f32, %{{[^:]*}}: f32)
// NONE-NOT: arith.divf
// NONE-NOT: arith.mulf
// NONE: scf.for
// NONE-NOT: scf.for
// NONE: return

// FPA: nudging is for algorithms il, epc and ipc (fpa and zil hold the predictions, where a nudge changes nothing; bp does not relax), got fpa
// BADNAME: unknown nudge mode 'up' (expected none, positive, negative or centered)
