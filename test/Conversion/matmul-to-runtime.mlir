// RUN: pcc-opt %s -pc-matmul-to-runtime | FileCheck %s

// CHECK-DAG: func.func private @pcc_rt_sgemm(i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: func.func private @pcc_rt_sgemm_batched(i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func.func @contiguous
// CHECK-DAG: %[[F:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[T:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[M:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 5 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 3 : i64
// CHECK: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[A:.*]] = arith.index_cast %[[PA]] : index to i64
// CHECK: %[[PB:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK: %[[B:.*]] = arith.index_cast %[[PB]] : index to i64
// CHECK: %[[PC:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK: %[[C:.*]] = arith.index_cast %[[PC]] : index to i64
// CHECK: call @pcc_rt_sgemm(%[[F]], %[[T]], %[[M]], %[[N]], %[[K]], %[[A]], %[[B]], %[[C]])
// CHECK-NOT: linalg.matmul
func.func @contiguous(%a: memref<4x3xf32>, %b: memref<5x3xf32>, %c: memref<4x5xf32>) {
  linalg.matmul_transpose_b ins(%a, %b : memref<4x3xf32>, memref<5x3xf32>) outs(%c : memref<4x5xf32>)
  return
}

// A strided view is not contiguous: it stays for convert-linalg-to-loops.
// CHECK-LABEL: func.func @strided
// CHECK-NOT: call @pcc_rt_sgemm
// CHECK: linalg.matmul
func.func @strided(%a: memref<4x3xf32, strided<[6, 1]>>, %b: memref<3x5xf32>, %c: memref<4x5xf32>) {
  linalg.matmul ins(%a, %b : memref<4x3xf32, strided<[6, 1]>>, memref<3x5xf32>) outs(%c : memref<4x5xf32>)
  return
}

// Tensors are not touched (the pass runs after bufferization).
// CHECK-LABEL: func.func @tensors
// CHECK: linalg.matmul
func.func @tensors(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %c: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x5xf32>) outs(%c : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// Batched products call the batched kernel with the batch count first.
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[B:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[T:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[F:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[M:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[N:.*]] = arith.constant 5 : i64
// CHECK-DAG: %[[K:.*]] = arith.constant 2 : i64
// CHECK: call @pcc_rt_sgemm_batched(%[[B]], %[[T]], %[[F]], %[[M]], %[[N]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: linalg.batch_matmul
func.func @batched(%a: memref<3x2x4xf32>, %b: memref<3x2x5xf32>, %c: memref<3x4x5xf32>) {
  linalg.batch_matmul_transpose_a ins(%a, %b : memref<3x2x4xf32>, memref<3x2x5xf32>) outs(%c : memref<3x4x5xf32>)
  return
}
