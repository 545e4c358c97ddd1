// RUN: pcc-opt %s -pc-approximate-math | FileCheck %s

// f32 tanh and exp become arithmetic (no math op left to call libm for);
// f64 has no approximation and is kept.
// CHECK-LABEL: func.func @activations
// CHECK-NOT: math.tanh
// CHECK-NOT: math.exp {{.*}} : f32
// CHECK: arith.mulf
// CHECK: math.tanh %{{.*}} : f64
func.func @activations(%x: f32, %y: f64) -> (f32, f32, f64) {
  %0 = math.tanh %x : f32
  %1 = math.exp %x : f32
  %2 = math.tanh %y : f64
  return %0, %1, %2 : f32, f32, f64
}
