// RUN: pcc-opt %s -pc-insert-chains-to-buffers -split-input-file | FileCheck %s

// A concatenation into zeros: one buffer, filled once, each link copied into
// its window, one tensor of the buffer for the chain's result.
// CHECK-LABEL: func.func @chain_into_zeros
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x3xf32>, %[[C:.*]]: tensor<2x3xf32>)
// CHECK-NOT: tensor.empty
// CHECK: %[[M:.*]] = memref.alloc() : memref<6x3xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[M]] : memref<6x3xf32>)
// CHECK: %[[W0:.*]] = memref.subview %[[M]][4, 0] [2, 3] [1, 1]
// CHECK: bufferization.materialize_in_destination %[[A]] in restrict writable %[[W0]]
// CHECK: %[[W1:.*]] = memref.subview %[[M]][2, 0] [2, 3] [1, 1]
// CHECK: bufferization.materialize_in_destination %[[B]] in restrict writable %[[W1]]
// CHECK: %[[W2:.*]] = memref.subview %[[M]][0, 0] [2, 3] [1, 1]
// CHECK: bufferization.materialize_in_destination %[[C]] in restrict writable %[[W2]]
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[M]] restrict writable
// CHECK-NOT: tensor.insert_slice
// CHECK: return %[[T]]
func.func @chain_into_zeros(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %c: tensor<2x3xf32>) -> tensor<6x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<6x3xf32>) -> tensor<6x3xf32>
  %0 = tensor.insert_slice %a into %f[4, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<6x3xf32>
  %1 = tensor.insert_slice %b into %0[2, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<6x3xf32>
  %2 = tensor.insert_slice %c into %1[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<6x3xf32>
  return %2 : tensor<6x3xf32>
}

// -----

// Into an empty tensor nothing is initialised; strided and rank-reducing
// windows keep their offsets, sizes and strides.
// CHECK-LABEL: func.func @strided_rank_reduced
// CHECK: %[[M:.*]] = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT: %[[W0:.*]] = memref.subview %[[M]][0, 0] [1, 6] [1, 1] : memref<2x6xf32> to memref<6xf32, strided<[1]>>
// CHECK-NEXT: bufferization.materialize_in_destination %arg0 in restrict writable %[[W0]]
// CHECK: memref.subview %[[M]][1, 0] [1, 3] [1, 2] : memref<2x6xf32> to memref<3xf32, strided<[2], offset: 6>>
// CHECK: memref.subview %[[M]][1, 1] [1, 3] [1, 2] : memref<2x6xf32> to memref<3xf32, strided<[2], offset: 7>>
func.func @strided_rank_reduced(%a: tensor<6xf32>, %b: tensor<3xf32>, %c: tensor<3xf32>) -> tensor<2x6xf32> {
  %e = tensor.empty() : tensor<2x6xf32>
  %0 = tensor.insert_slice %a into %e[0, 0] [1, 6] [1, 1] : tensor<6xf32> into tensor<2x6xf32>
  %1 = tensor.insert_slice %b into %0[1, 0] [1, 3] [1, 2] : tensor<3xf32> into tensor<2x6xf32>
  %2 = tensor.insert_slice %c into %1[1, 1] [1, 3] [1, 2] : tensor<3xf32> into tensor<2x6xf32>
  return %2 : tensor<2x6xf32>
}

// -----

// A destination that is also read elsewhere is copied into the buffer, and
// stays as it was for its other reader.
// CHECK-LABEL: func.func @shared_root
// CHECK-SAME: (%[[ROOT:.*]]: tensor<4xf32>,
// CHECK: %[[M:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: bufferization.materialize_in_destination %[[ROOT]] in restrict writable %[[M]]
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[M]]
// CHECK: return %[[T]], %[[ROOT]]
func.func @shared_root(%root: tensor<4xf32>, %a: tensor<1xf32>, %b: tensor<1xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = tensor.insert_slice %a into %root[0] [1] [1] : tensor<1xf32> into tensor<4xf32>
  %1 = tensor.insert_slice %b into %0[3] [1] [1] : tensor<1xf32> into tensor<4xf32>
  return %1, %root : tensor<4xf32>, tensor<4xf32>
}

// -----

// Left alone: a single insert, and a chain broken by a read of an
// intermediate tensor (the second link's destination has two users).
// CHECK-LABEL: func.func @not_chains
// CHECK-NOT: memref.alloc
// CHECK: tensor.insert_slice
// CHECK: tensor.insert_slice
// CHECK: tensor.extract_slice
// CHECK: tensor.insert_slice
func.func @not_chains(%d: tensor<4xf32>, %a: tensor<1xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<1xf32>) {
  %single = tensor.insert_slice %a into %d[0] [1] [1] : tensor<1xf32> into tensor<4xf32>
  %0 = tensor.insert_slice %a into %d[1] [1] [1] : tensor<1xf32> into tensor<4xf32>
  %r = tensor.extract_slice %0[1] [1] [1] : tensor<4xf32> to tensor<1xf32>
  %1 = tensor.insert_slice %r into %0[2] [1] [1] : tensor<1xf32> into tensor<4xf32>
  return %single, %1, %r : tensor<4xf32>, tensor<4xf32>, tensor<1xf32>
}

// -----

// Sources computed by linalg ops into a (shared) tensor.empty they never
// read are computed in their windows: the generics write into tensors of
// the subviews, made before them, and the links copy nothing. A zero fill
// that others also read is re-made on the buffer, not copied.
// CHECK-LABEL: func.func @direct_producers
// CHECK: %[[M:.*]] = memref.alloc() : memref<4x3xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[M]] : memref<4x3xf32>)
// CHECK: %[[W0:.*]] = memref.subview %[[M]][0, 0] [2, 3] [1, 1]
// CHECK-NEXT: %[[T0:.*]] = bufferization.to_tensor %[[W0]] restrict writable
// CHECK-NEXT: linalg.generic {{.*}} ins(%arg0 : tensor<2x3xf32>) outs(%[[T0]] : tensor<2x3xf32>)
// CHECK: %[[W1:.*]] = memref.subview %[[M]][2, 0] [2, 3] [1, 1]
// CHECK-NEXT: %[[T1:.*]] = bufferization.to_tensor %[[W1]] restrict writable
// CHECK-NEXT: linalg.generic {{.*}} ins(%arg1 : tensor<2x3xf32>) outs(%[[T1]] : tensor<2x3xf32>)
// CHECK-NOT: materialize_in_destination
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[M]] restrict writable
// CHECK: return %[[R]], %{{.*}}
#id = affine_map<(i, j) -> (i, j)>
func.func @direct_producers(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %ga = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<2x3xf32>
  %gb = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<2x3xf32>
  %big = tensor.empty() : tensor<4x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%big : tensor<4x3xf32>) -> tensor<4x3xf32>
  %0 = tensor.insert_slice %ga into %f[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<4x3xf32>
  %1 = tensor.insert_slice %gb into %0[2, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<4x3xf32>
  return %1, %f : tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// Overlapping windows keep the order of their writes: both sources are
// copied at their links, the later one last.
// CHECK-LABEL: func.func @overlapping_windows_copy_in_order
// CHECK: %[[G:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: memref.alloc() : memref<3x3xf32>
// CHECK: bufferization.materialize_in_destination %[[G]] in restrict writable
// CHECK: bufferization.materialize_in_destination %arg1 in restrict writable
#id = affine_map<(i, j) -> (i, j)>
func.func @overlapping_windows_copy_in_order(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %e = tensor.empty() : tensor<2x3xf32>
  %ga = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<2x3xf32>
  %big = tensor.empty() : tensor<3x3xf32>
  %0 = tensor.insert_slice %ga into %big[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<3x3xf32>
  %1 = tensor.insert_slice %b into %0[1, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<3x3xf32>
  return %1 : tensor<3x3xf32>
}
