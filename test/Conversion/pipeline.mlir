// RUN: pcc-opt %s -pcc-pc -pcc-linalg -pcc-llvm | FileCheck %s
// RUN: pcc-opt %s -pcc-pc -pcc-linalg -pcc-llvm | FileCheck %s --check-prefix=NOLIBM

// The whole pipeline, from a graph to the LLVM dialect: one kernel per
// entry, matrix products through the runtime GEMM, tanh inlined as a
// polynomial approximation (no libm call), and buffers released inside the
// relaxation loop through the runtime cache.
// NOLIBM-NOT: tanhf
// CHECK-DAG: llvm.func @pcc_rt_sgemm(i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
// CHECK-LABEL: llvm.func @pcc_kernel_predict(
// CHECK: llvm.call @pcc_rt_sgemm
// CHECK-LABEL: llvm.func @pcc_kernel_train(
// CHECK: llvm.call @pcc_rt_sgemm
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK-NOT: pc.
func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %b: tensor<5xf32> {pc.role = "param"}) -> tensor<4x5xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.add %1, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}
