// pcc-opt's pipelines take the driver's options, so that they reproduce
// what `pcc --algorithm=... --loss=... --prefix=...` runs.
// RUN: pcc-opt %s -pcc-pc | FileCheck %s --check-prefix=IL
// RUN: pcc-opt %s '-pcc-pc=algorithm=bp loss=ce' | FileCheck %s --check-prefix=BP
// RUN: pcc-opt %s '-pcc-pc=algorithm=zil' | FileCheck %s --check-prefix=ZIL
// RUN: pcc-opt %s -pcc-pc -pcc-linalg '-pcc-llvm=prefix=mynet' | FileCheck %s --check-prefix=PREFIX
// RUN: not pcc-opt %s '-pcc-pc=algorithm=sgd' 2>&1 | FileCheck %s --check-prefix=BAD

// IL: func.func @pcc_train({{.*}} attributes {pc.algorithm = "il",
// IL-NOT: pc.fixed_steps
// BP: func.func @pcc_train({{.*}} attributes {pc.algorithm = "bp", {{.*}}pc.fixed_steps = -1 : i64
// BP: pc.loss_error ce
// ZIL: func.func @pcc_train({{.*}} attributes {pc.algorithm = "zil", {{.*}}pc.fixed_steps = 2 : i64
// PREFIX-DAG: llvm.func @mynet_kernel_predict(
// PREFIX-DAG: llvm.func @mynet_kernel_train(
// PREFIX-NOT: @pcc_kernel
// BAD: algorithm
func.func @mlp(%x: tensor<4x3xf32> {pc.role = "input"}, %w: tensor<5x3xf32> {pc.role = "param"},
               %b: tensor<5xf32> {pc.role = "param"}) -> tensor<4x5xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w {transpose_rhs = true} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %1 = pc.tanh %0 : tensor<4x5xf32>
  %2 = pc.add %1, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %2 : tensor<4x5xf32>
}
