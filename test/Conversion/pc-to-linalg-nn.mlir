// RUN: pcc-opt %s -pc-to-linalg -split-input-file | FileCheck %s
//
// The lowering of the ops added for CNNs and RNNs: elementwise ops, data
// movement (slice, concat, pad, broadcast, reduce, gather) and windows
// (convolution as a grouped im2col and one batched GEMM, pooling, their
// adjoints).

// CHECK-LABEL: func @abs_sqrt_softplus
// CHECK: linalg.generic
// CHECK: math.absf
// CHECK: linalg.generic
// CHECK: math.sqrt
// Softplus as max(x, 0) + log1p(exp(-|x|)), which does not overflow.
// CHECK: linalg.generic
// CHECK: %[[POS:.*]] = arith.maximumf %in, %{{.*}} : f32
// CHECK: %[[ABS:.*]] = math.absf %in
// CHECK: %[[NEG:.*]] = arith.negf %[[ABS]]
// CHECK: %[[E:.*]] = math.exp %[[NEG]]
// CHECK: %[[L:.*]] = math.log1p %[[E]]
// CHECK: arith.addf %[[POS]], %[[L]]
func.func @abs_sqrt_softplus(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = pc.abs %x : tensor<2x3xf32>
  %1 = pc.sqrt %x : tensor<2x3xf32>
  %2 = pc.softplus %x : tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @elu_clip
// CHECK: linalg.generic
// CHECK: %[[E:.*]] = math.exp %in
// CHECK: %[[EM1:.*]] = arith.subf %[[E]], %{{.*}}
// CHECK: %[[A:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[NEG:.*]] = arith.mulf %[[EM1]], %[[A]]
// CHECK: %[[POS:.*]] = arith.cmpf ogt, %in
// CHECK: arith.select %[[POS]], %in, %[[NEG]]
// CHECK: linalg.generic
// CHECK: %[[LO:.*]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[MX:.*]] = arith.maximumf %in, %[[LO]]
// CHECK: %[[HI:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: arith.minimumf %[[MX]], %[[HI]]
func.func @elu_clip(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = pc.elu %x {alpha = 0.5 : f32} : tensor<2x3xf32>
  %1 = pc.clip %x {min = -1.0 : f32, max = 2.0 : f32} : tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Integral exponents multiply (exact for negative x); x^-2 = 1 / (x*x);
// other exponents call powf.
// CHECK-LABEL: func @pow
// CHECK: linalg.generic
// CHECK-NOT: math.powf
// CHECK: %[[SQ:.*]] = arith.mulf %in, %in : f32
// CHECK: arith.mulf %{{.*}}, %[[SQ]] : f32
// CHECK: linalg.yield
// CHECK: linalg.generic
// CHECK-NOT: math.powf
// CHECK: arith.mulf %in, %in
// CHECK: arith.divf
// CHECK: linalg.yield
// CHECK: linalg.generic
// CHECK: %[[E:.*]] = arith.constant 1.500000e+00 : f32
// CHECK: math.powf %in, %[[E]] : f32
func.func @pow(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = pc.pow %x {exponent = 3.0 : f32} : tensor<2x3xf32>
  %1 = pc.pow %x {exponent = -2.0 : f32} : tensor<2x3xf32>
  %2 = pc.pow %x {exponent = 1.5 : f32} : tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Cotangent ops read the cotangent (%arg1 here) first, then the primal.
// CHECK-LABEL: func @elementwise_grads
// abs_grad: g where x > 0, -g where x < 0, else 0.
// CHECK: linalg.generic {{.*}} ins(%arg1, %arg0 : tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK: %[[NG:.*]] = arith.negf %in : f32
// CHECK: %[[LT:.*]] = arith.cmpf olt, %in_0
// CHECK: %[[S:.*]] = arith.select %[[LT]], %[[NG]], %{{.*}}
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %in_0
// CHECK: arith.select %[[GT]], %in, %[[S]]
// sqrt_grad: g / (2 y) from the sqrt output.
// CHECK: linalg.generic {{.*}} ins(%arg1, %arg0
// CHECK: %[[TWOY:.*]] = arith.mulf %in_0, %{{.*}}
// CHECK: arith.divf %in, %[[TWOY]]
// elu_grad: g where x > 0, else g * alpha * exp(x).
// CHECK: linalg.generic {{.*}} ins(%arg1, %arg0
// CHECK: math.exp %in_0
// CHECK: arith.cmpf ogt, %in_0
// clip_grad: g where min < x < max (bounds excluded, as ReLU6).
// CHECK: linalg.generic {{.*}} ins(%arg1, %arg0
// CHECK: arith.cmpf olt, %in_0
// CHECK: arith.cmpf ogt, %in_0
// pow_grad: g * e * x^(e-1), here 3 x^2.
// CHECK: linalg.generic {{.*}} ins(%arg1, %arg0
// CHECK-DAG: %[[E:.*]] = arith.constant 3.000000e+00 : f32
// CHECK-DAG: arith.mulf %in_0, %in_0
// CHECK: %[[D:.*]] = arith.mulf %{{.*}}, %[[E]]
// CHECK: arith.mulf %in, %[[D]]
func.func @elementwise_grads(%x: tensor<2x3xf32>, %g: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = pc.abs_grad %g, %x : tensor<2x3xf32>
  %1 = pc.sqrt_grad %g, %x : tensor<2x3xf32>
  %2 = pc.elu_grad %g, %x {alpha = 0.5 : f32} : tensor<2x3xf32>
  %3 = pc.clip_grad %g, %x {min = -1.0 : f32, max = 2.0 : f32} : tensor<2x3xf32>
  %4 = pc.pow_grad %g, %x {exponent = 3.0 : f32} : tensor<2x3xf32>
  return %0, %1, %2, %3, %4 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A positive-step slice is one strided extract_slice.
// CHECK-LABEL: func @slice_positive
// CHECK-NEXT: %[[S:.*]] = tensor.extract_slice %arg0[1, 2] [2, 2] [1, 3] : tensor<4x6xf32> to tensor<2x2xf32>
// CHECK-NEXT: return %[[S]]
func.func @slice_positive(%x: tensor<4x6xf32>) -> tensor<2x2xf32> {
  %0 = pc.slice %x {starts = array<i64: 1, 2>, steps = array<i64: 1, 3>} : (tensor<4x6xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// A negative step reads the positive-stride window [3-1*3 = 0, ...] and
// reverses it: result[i] = input[3 - i].
// CHECK-DAG: #[[REV:.*]] = affine_map<(d0, d1) -> (-d0 + 3, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @slice_negative
// CHECK: %[[S:.*]] = tensor.extract_slice %arg0[0, 1] [4, 3] [1, 2] : tensor<4x6xf32> to tensor<4x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[REV]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[S]] : tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
// CHECK: return %[[R]]
func.func @slice_negative(%x: tensor<4x6xf32>) -> tensor<4x3xf32> {
  %0 = pc.slice %x {starts = array<i64: 3, 1>, steps = array<i64: -1, 2>} : (tensor<4x6xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// The adjoint: reverse the cotangent, insert it with the same offsets and
// strides into zeros.
// CHECK-DAG: #[[REV:.*]] = affine_map<(d0, d1) -> (-d0 + 3, d1)>
// CHECK-LABEL: func @slice_grad
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[REV]], #{{.*}}]{{.*}} ins(%arg0 : tensor<4x3xf32>)
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<4x6xf32>)
// CHECK: %[[I:.*]] = tensor.insert_slice %[[R]] into %[[F]][0, 1] [4, 3] [1, 2] : tensor<4x3xf32> into tensor<4x6xf32>
// CHECK: return %[[I]]
func.func @slice_grad(%g: tensor<4x3xf32>) -> tensor<4x6xf32> {
  %0 = pc.slice_grad %g {starts = array<i64: 3, 1>, steps = array<i64: -1, 2>} : (tensor<4x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// Into an accumulator: only the window is read, summed and written back
// (the generic writes into the extracted window, so bufferization can do it
// in place).
// CHECK-LABEL: func @slice_grad_into
// CHECK-SAME: (%[[G:.*]]: tensor<4x3xf32>, %[[ACC:.*]]: tensor<4x6xf32>)
// CHECK: %[[W:.*]] = tensor.extract_slice %[[ACC]][0, 1] [4, 3] [1, 2] : tensor<4x6xf32> to tensor<4x3xf32>
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<4x3xf32>) outs(%[[W]] : tensor<4x3xf32>)
// CHECK: arith.addf
// CHECK: %[[I:.*]] = tensor.insert_slice %[[S]] into %[[ACC]][0, 1] [4, 3] [1, 2] : tensor<4x3xf32> into tensor<4x6xf32>
// CHECK: return %[[I]]
func.func @slice_grad_into(%g: tensor<4x3xf32>, %acc: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %0 = pc.slice_grad %g into %acc {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : (tensor<4x3xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// A chain of scatters into disjoint windows (the time steps of an unrolled
// recurrence): each only inserts, no window is read back.
// CHECK-LABEL: func @slice_grad_disjoint_chain
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x3xf32>, %[[C:.*]]: tensor<2x3xf32>)
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[F]][4, 0]
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][2, 0]
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[I2:.*]] = tensor.insert_slice %[[C]] into %[[I1]][0, 0]
// CHECK: return %[[I2]]
func.func @slice_grad_disjoint_chain(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %c: tensor<2x3xf32>) -> tensor<6x3xf32> {
  %0 = pc.slice_grad %a {starts = array<i64: 4, 0>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<6x3xf32>
  %1 = pc.slice_grad %b into %0 {starts = array<i64: 2, 0>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>, tensor<6x3xf32>) -> tensor<6x3xf32>
  %2 = pc.slice_grad %c into %1 {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>, tensor<6x3xf32>) -> tensor<6x3xf32>
  return %2 : tensor<6x3xf32>
}

// -----

// Windows that share elements still add: rows 1-2 overlap rows 2-3, and the
// even and odd columns of a stride-2 pair do not.
// CHECK-LABEL: func @slice_grad_overlapping_chain
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[1, 0] [2, 3]
// CHECK: tensor.extract_slice %{{.*}}[2, 0] [2, 3]
// CHECK: arith.addf
// CHECK: tensor.insert_slice %{{.*}}[2, 0] [2, 3]
// CHECK-LABEL: func @slice_grad_interleaved_chain
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0] [2, 3] [1, 2]
// CHECK-NOT: tensor.extract_slice
// CHECK: tensor.insert_slice %arg1 into %{{.*}}[0, 1] [2, 3] [1, 2]
func.func @slice_grad_overlapping_chain(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<6x3xf32> {
  %0 = pc.slice_grad %a {starts = array<i64: 1, 0>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<6x3xf32>
  %1 = pc.slice_grad %b into %0 {starts = array<i64: 2, 0>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>, tensor<6x3xf32>) -> tensor<6x3xf32>
  return %1 : tensor<6x3xf32>
}
func.func @slice_grad_interleaved_chain(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x6xf32> {
  %0 = pc.slice_grad %a {starts = array<i64: 0, 0>, steps = array<i64: 1, 2>} : (tensor<2x3xf32>) -> tensor<2x6xf32>
  %1 = pc.slice_grad %b into %0 {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : (tensor<2x3xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
  return %1 : tensor<2x6xf32>
}

// -----

// CHECK-LABEL: func @concat
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x9xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [4, 6] [1, 1]
// CHECK: %[[B:.*]] = tensor.insert_slice %arg1 into %[[A]][0, 6] [4, 2] [1, 1]
// CHECK: %[[C:.*]] = tensor.insert_slice %arg2 into %[[B]][0, 8] [4, 1] [1, 1]
// CHECK: return %[[C]]
func.func @concat(%x: tensor<4x6xf32>, %y: tensor<4x2xf32>, %z: tensor<4x1xf32>) -> tensor<4x9xf32> {
  %0 = pc.concat %x, %y, %z {axis = 1} : (tensor<4x6xf32>, tensor<4x2xf32>, tensor<4x1xf32>) -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

// CHECK-LABEL: func @pad
// CHECK: %[[V:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[V]] : f32) outs(%{{.*}} : tensor<5x8xf32>)
// CHECK: %[[I:.*]] = tensor.insert_slice %arg0 into %[[F]][1, 0] [4, 6] [1, 1] : tensor<4x6xf32> into tensor<5x8xf32>
// CHECK: return %[[I]]
func.func @pad(%x: tensor<4x6xf32>) -> tensor<5x8xf32> {
  %0 = pc.pad %x {low = array<i64: 1, 0>, high = array<i64: 0, 2>, value = 0.5 : f32} : (tensor<4x6xf32>) -> tensor<5x8xf32>
  return %0 : tensor<5x8xf32>
}

// -----

// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func @broadcast_to
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%arg0 : tensor<1x6xf32>) outs(%{{.*}} : tensor<2x4x6xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
func.func @broadcast_to(%v: tensor<1x6xf32>) -> tensor<2x4x6xf32> {
  %0 = pc.broadcast_to %v : (tensor<1x6xf32>) -> tensor<2x4x6xf32>
  return %0 : tensor<2x4x6xf32>
}

// -----

// Reduction over axes 0 and 2, scaled, then the size-1 dims restored.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func @reduce_sum_scaled
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK: arith.addf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[R]] : tensor<3xf32>)
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK: arith.mulf
// CHECK: tensor.expand_shape %[[S]] {{\[\[}}0, 1, 2]] output_shape [1, 3, 1] : tensor<3xf32> into tensor<1x3x1xf32>
func.func @reduce_sum_scaled(%x: tensor<2x3x4xf32>) -> tensor<1x3x1xf32> {
  %0 = pc.reduce_sum %x {axes = array<i64: 0, 2>, scale = 0.125 : f32} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  return %0 : tensor<1x3x1xf32>
}

// -----

// Scale 1 multiplies by nothing.
// CHECK-LABEL: func @reduce_sum_unscaled
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK-NOT: arith.mulf
// CHECK: tensor.expand_shape
func.func @reduce_sum_unscaled(%x: tensor<4x6xf32>) -> tensor<4x1xf32> {
  %0 = pc.reduce_sum %x {axes = array<i64: 1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

// Gather: the index table drives the loop; each element is a tensor.extract
// of the input at (row, indices[k]).
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @gather
// CHECK: %[[T:.*]] = arith.constant dense<[5, 0, 5]> : tensor<3xi64>
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[T]] : tensor<3xi64>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[J:.*]]: i64, %{{.*}}: f32):
// CHECK-NEXT: %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[COL:.*]] = arith.index_cast %[[J]] : i64 to index
// CHECK-NEXT: %[[V:.*]] = tensor.extract %arg0[%[[ROW]], %[[COL]]] : tensor<4x6xf32>
// CHECK-NEXT: linalg.yield %[[V]]
func.func @gather(%x: tensor<4x6xf32>) -> tensor<4x3xf32> {
  %0 = pc.gather %x {axis = 1, indices = array<i64: 5, 0, 5>} : (tensor<4x6xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Gather's adjoint reduces over the index position k (the last loop), so a
// repeated index (5 twice) accumulates.
// CHECK-DAG: #[[G:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @gather_grad
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<4x6xf32>
// CHECK: %[[T:.*]] = arith.constant dense<[5, 0, 5]> : tensor<3xi64>
// CHECK: linalg.generic {indexing_maps = [#[[G]], #[[K]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %[[T]] : tensor<4x3xf32>, tensor<3xi64>) outs(%[[Z]] : tensor<4x6xf32>)
// CHECK-NEXT: ^bb0(%[[GV:.*]]: f32, %[[J:.*]]: i64, %[[ACC:.*]]: f32):
// CHECK: %[[COL:.*]] = linalg.index 1 : index
// CHECK: %[[COL64:.*]] = arith.index_cast %[[COL]] : index to i64
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[J]], %[[COL64]] : i64
// CHECK: %[[TERM:.*]] = arith.select %[[HIT]], %[[GV]], %{{.*}} : f32
// CHECK: arith.addf %[[ACC]], %[[TERM]] : f32
func.func @gather_grad(%g: tensor<4x3xf32>) -> tensor<4x6xf32> {
  %0 = pc.gather_grad %g {axis = 1, indices = array<i64: 5, 0, 5>} : (tensor<4x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// Unpadded conv, group 1: one im2col generic over (group, n, oh, ow, c, kh,
// kw) whose input map applies the dilation (2 along w), one GEMM against
// the filter as [F, C*KH*KW] rows (a plain matmul: one group), back to
// NCHW by a transpose.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d0 * 3 + d4, d2 + d5, d3 + d6 * 2)>
// CHECK-DAG: #[[ID7:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3, d4, d5, d6)>
// CHECK-LABEL: func @conv_dilated
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[COL:.*]] = linalg.generic {indexing_maps = [#[[READ]], #[[ID7]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<2x3x6x6xf32>) outs(%{{.*}} : tensor<1x2x5x4x3x2x2xf32>)
// CHECK: %[[Y:.*]] = linalg.matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<40x12xf32>, tensor<4x12xf32>) outs(%{{.*}} : tensor<40x4xf32>)
// CHECK: %[[R:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x2x5x4x4xf32>) outs(%{{.*}} : tensor<2x1x4x5x4xf32>) permutation = [1, 0, 4, 2, 3]
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @conv_dilated(%x: tensor<2x3x6x6xf32>, %w: tensor<4x3x2x2xf32>) -> tensor<2x4x5x4xf32> {
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 2>, pads = array<i64: 0, 0, 0, 0>} : (tensor<2x3x6x6xf32>, tensor<4x3x2x2xf32>) -> tensor<2x4x5x4xf32>
  return %0 : tensor<2x4x5x4xf32>
}

// -----

// Padded, strided, dilated conv in 2 groups. The input is zero-padded by
// (top 1, left 2, bottom 0, right 1) into 6x8; the window read is
// (oh*2 + kh, ow*3 + kw*2), and group g reads channels 2g + c. One
// grouped im2col, one batched GEMM over the 2 groups (2 of the 4 input
// channels against 3 of the 6 filters each), one transpose back to NCHW.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d0 * 2 + d4, d2 * 2 + d5, d3 * 3 + d6 * 2)>
// CHECK-LABEL: func @conv_groups
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<1x4x6x8xf32>
// CHECK: %[[XP:.*]] = tensor.insert_slice %arg0 into %[[Z]][0, 0, 1, 2] [1, 4, 5, 5] [1, 1, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[READ]], #{{.*}}]{{.*}} ins(%[[XP]] : tensor<1x4x6x8xf32>) outs(%{{.*}} : tensor<2x1x2x2x2x3x3xf32>)
// CHECK: linalg.batch_matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<2x4x18xf32>, tensor<2x3x18xf32>) outs(%{{.*}} : tensor<2x4x3xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x1x2x2x3xf32>) outs(%{{.*}} : tensor<1x2x3x2x2xf32>) permutation = [1, 0, 4, 2, 3]
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: linalg.matmul
// CHECK: return %{{.*}} : tensor<1x6x2x2xf32>
func.func @conv_groups(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x2x2xf32> {
  %0 = pc.conv %x, %w {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 3>, dilations = array<i64: 1, 2>, pads = array<i64: 1, 2, 0, 1>} : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x2x2xf32>
  return %0 : tensor<1x6x2x2xf32>
}

// -----

// The filter gradient: the cotangent as [groups, N*OH*OW, Fg] rows (one
// transpose) times the grouped im2col matrices, transposed on the left,
// in one batched GEMM; [6, 18] is the filter's own layout.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d0 * 2 + d4, d2 * 2 + d5, d3 * 3 + d6 * 2)>
// CHECK-LABEL: func @conv_filter_grad
// CHECK: %[[XP:.*]] = tensor.insert_slice %arg1 into %{{.*}}[0, 0, 1, 2] [1, 4, 5, 5] [1, 1, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[READ]],{{.*}} ins(%[[XP]] : tensor<1x4x6x8xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x2x3x2x2xf32>) outs(%{{.*}} : tensor<2x1x2x2x3xf32>) permutation = [1, 0, 3, 4, 2]
// CHECK: linalg.batch_matmul_transpose_a ins(%{{.*}}, %{{.*}} : tensor<2x4x3xf32>, tensor<2x4x18xf32>) outs(%{{.*}} : tensor<2x3x18xf32>)
// CHECK-NOT: linalg.batch_matmul
// CHECK: return %{{.*}} : tensor<6x2x3x3xf32>
func.func @conv_filter_grad(%g: tensor<1x6x2x2xf32>, %x: tensor<1x4x5x5xf32>) -> tensor<6x2x3x3xf32> {
  %0 = pc.conv_filter_grad %g, %x {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 3>, dilations = array<i64: 1, 2>, pads = array<i64: 1, 2, 0, 1>} : (tensor<1x6x2x2xf32>, tensor<1x4x5x5xf32>) -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}

// -----

// The input gradient: one batched GEMM gives the column cotangent per
// group, transposed once to [N, OH, OW, C, KH, KW] (channel c in group
// c / 2); for every kernel offset (kh, kw) an affine generic adds its
// column into the strided view of the padded input that offset reads
// (offsets kh*dilation, strides 2 and 3); then the padding is cut off.
// CHECK-DAG: #[[K00:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1, 0, 0)>
// CHECK-DAG: #[[K22:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1, 2, 2)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @conv_input_grad
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x2x3x2x2xf32>) outs(%{{.*}} : tensor<2x1x2x2x3xf32>) permutation = [1, 0, 3, 4, 2]
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x4x3xf32>, tensor<2x3x18xf32>) outs(%{{.*}} : tensor<2x4x18xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x1x2x2x2x3x3xf32>) outs(%{{.*}} : tensor<1x2x2x2x2x3x3xf32>) permutation = [1, 2, 3, 0, 4, 5, 6]
// CHECK: %[[DCOL:.*]] = tensor.expand_shape %{{.*}} output_shape [1, 2, 2, 4, 3, 3]
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x6x8xf32>)
// CHECK: %[[V0:.*]] = tensor.extract_slice %[[Z]][0, 0, 0, 0] [1, 4, 2, 2] [1, 1, 2, 3]
// CHECK: %[[A0:.*]] = linalg.generic {indexing_maps = [#[[K00]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[DCOL]] : tensor<1x2x2x4x3x3xf32>) outs(%[[V0]] : tensor<1x4x2x2xf32>)
// CHECK: arith.addf
// CHECK: tensor.insert_slice %[[A0]] into %[[Z]][0, 0, 0, 0] [1, 4, 2, 2] [1, 1, 2, 3]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 2] [1, 4, 2, 2] [1, 1, 2, 3]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 2, 4] [1, 4, 2, 2] [1, 1, 2, 3]
// CHECK: linalg.generic {indexing_maps = [#[[K22]], #[[ID]]]
// CHECK: %[[S:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 4] [1, 4, 2, 2] [1, 1, 2, 3]
// CHECK-NOT: linalg.batch_matmul
// CHECK: %[[DX:.*]] = tensor.extract_slice %[[S]][0, 0, 1, 2] [1, 4, 5, 5] [1, 1, 1, 1] : tensor<1x4x6x8xf32> to tensor<1x4x5x5xf32>
// CHECK: return %[[DX]]
func.func @conv_input_grad(%g: tensor<1x6x2x2xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x4x5x5xf32> {
  %0 = pc.conv_input_grad %g, %w {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 3>, dilations = array<i64: 1, 2>, pads = array<i64: 1, 2, 0, 1>} : (tensor<1x6x2x2xf32>, tensor<6x2x3x3xf32>) -> tensor<1x4x5x5xf32>
  return %0 : tensor<1x4x5x5xf32>
}

// -----

// Max pooling with a ceil_mode window: the 5x5 input is padded with -inf
// to 6x6 so the third window exists; the window maximum is a reduction
// over (kh, kw) of a strided read, with a kernel-shaped operand giving
// those loops their bounds.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @max_pool
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x2x6x6xf32>)
// CHECK: %[[XP:.*]] = tensor.insert_slice %arg0 into %[[F]][0, 0, 0, 0] [1, 2, 5, 5] [1, 1, 1, 1]
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x3x3xf32>)
// CHECK: %[[KER:.*]] = arith.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[READ]], #[[K]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XP]], %[[KER]] : tensor<1x2x6x6xf32>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x2x3x3xf32>)
// CHECK: arith.maximumf
func.func @max_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = pc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// The max pool adjoint: an argmax generic with two results (the maximum
// and the flat kernel offset kh*2 + kw of its first occurrence), then for
// every kernel offset an affine generic adding the cotangent of the windows
// whose argmax is that offset into the strided view it reads.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @max_pool_grad
// CHECK: %[[XP:.*]] = tensor.insert_slice %arg1 into
// CHECK: %[[AM:.*]]:2 = linalg.generic {indexing_maps = [#[[READ]], #[[K]], #[[O]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XP]], %{{.*}} : tensor<1x2x6x6xf32>, tensor<2x2xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x2x3x3xf32>, tensor<1x2x3x3xi64>)
// CHECK: %[[BETTER:.*]] = arith.cmpf ogt
// CHECK: arith.select %[[BETTER]]
// CHECK: arith.select %[[BETTER]]
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, i64
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 1] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[AM]]#1, %arg0 : tensor<1x2x3x3xi64>, tensor<1x2x3x3xf32>)
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %{{.*}}, %[[ONE]] : i64
// CHECK: arith.select %[[HIT]]
// CHECK: %[[S:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: %[[DX:.*]] = tensor.extract_slice %[[S]][0, 0, 0, 0] [1, 2, 5, 5] [1, 1, 1, 1]
// CHECK: return %[[DX]]
func.func @max_pool_grad(%g: tensor<1x2x3x3xf32>, %x: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %0 = pc.max_pool_grad %g, %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// -----

// Average pooling of 4x4 with kernel 3, stride 2, pads 1 and a ceil_mode
// third window (padded extent 7): window sums times constant 1/count.
// Along each axis the windows cover input positions {-1,0,1}, {1,2,3},
// {3,4,5}: with count_include_pad 3, 3, 2 elements (4 is padding, 5 is
// past it), without 2, 3, 1.
// CHECK-DAG: #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[HW:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func @avg_pool
// CHECK: %[[XP:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x4xf32> into tensor<1x1x7x7xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[READ]], #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XP]]
// CHECK: arith.addf
// CHECK: %[[INCL:.*]] = arith.constant dense<{{\[\[}}0.111111112, 0.111111112, 0.166666672], [0.111111112, 0.111111112, 0.166666672], [0.166666672, 0.166666672, 2.500000e-01]]> : tensor<3x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[HW]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[SUM]], %[[INCL]] : tensor<1x1x3x3xf32>, tensor<3x3xf32>)
// CHECK: arith.mulf
// CHECK: %[[EXCL:.*]] = arith.constant dense<{{\[\[}}2.500000e-01, 0.166666672, 5.000000e-01], [0.166666672, 0.111111112, 0.333333343], [5.000000e-01, 0.333333343, 1.000000e+00]]> : tensor<3x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[HW]], #[[ID4]]]{{.*}} ins(%{{.*}}, %[[EXCL]] : tensor<1x1x3x3xf32>, tensor<3x3xf32>)
// CHECK: arith.mulf
func.func @avg_pool(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) {
  %0 = pc.avg_pool %x {count_include_pad = true, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  %1 = pc.avg_pool %x {count_include_pad = false, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %0, %1 : tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>
}

// -----

// The average pool adjoint adds cotangent * 1/count (the same constant
// counts) into the strided view of every kernel offset.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[HW:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func @avg_pool_grad
// CHECK: %[[INV:.*]] = arith.constant dense<{{\[\[}}2.500000e-01, 0.166666672, 5.000000e-01], [0.166666672, 0.111111112, 0.333333343], [5.000000e-01, 0.333333343, 1.000000e+00]]> : tensor<3x3xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 1, 3, 3] [1, 1, 2, 2] : tensor<1x1x7x7xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[HW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %[[INV]] : tensor<1x1x3x3xf32>, tensor<3x3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[S:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 2, 2] [1, 1, 3, 3] [1, 1, 2, 2]
// CHECK: %[[DX:.*]] = tensor.extract_slice %[[S]][0, 0, 1, 1] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x7x7xf32> to tensor<1x1x4x4xf32>
// CHECK: return %[[DX]]
func.func @avg_pool_grad(%g: tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32> {
  %0 = pc.avg_pool_grad %g {count_include_pad = false, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}
