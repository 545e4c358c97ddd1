// RUN: pcc-opt %s -pc-split-shared-empty-tensors | FileCheck %s
// RUN: pcc-opt %s -pc-split-shared-empty-tensors -eliminate-empty-tensors -one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s --check-prefix=ELIM

// One tensor.empty shared (after CSE) by two fills whose results go into
// two output buffers: each fill gets its own empty, next to the original,
// and the elimination then writes each fill into its own buffer (without
// the split, both fills were written into the first one).
// CHECK-LABEL: func.func @two_results
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-DAG: linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<4xf32>)
// CHECK-DAG: linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4xf32>)
// ELIM-LABEL: func.func @two_results(
// ELIM-SAME: %[[OUT1:[^:]*]]: memref<8xf32{{.*}}>, %[[OUT2:[^:]*]]: memref<8xf32
// ELIM-DAG: %[[A:.*]] = memref.subview %[[OUT1]][0] [4] [1]
// ELIM-DAG: %[[B:.*]] = memref.subview %[[OUT2]][4] [4] [1]
// ELIM-DAG: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] :
// ELIM-DAG: linalg.fill ins(%{{.*}} : f32) outs(%[[B]] :
// ELIM-NOT: memref.alloc
func.func @two_results(%out1: tensor<8xf32> {bufferization.writable = true},
                       %out2: tensor<8xf32> {bufferization.writable = true})
    -> (tensor<8xf32>, tensor<8xf32>) {
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.fill ins(%one : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.fill ins(%two : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %0 = tensor.insert_slice %a into %out1[0] [4] [1] : tensor<4xf32> into tensor<8xf32>
  %1 = tensor.insert_slice %b into %out2[4] [4] [1] : tensor<4xf32> into tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// A single use is left alone.
// CHECK-LABEL: func.func @one_use
// ELIM-LABEL: func.func @one_use
// CHECK-COUNT-1: tensor.empty
// CHECK-NOT: tensor.empty
func.func @one_use() -> tensor<4xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.fill ins(%one : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %a : tensor<4xf32>
}
