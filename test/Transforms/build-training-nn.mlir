// RUN: pcc-opt %s -split-input-file -pc-insert-nodes '-pc-build-training=algorithm=bp' | FileCheck %s --check-prefix=BP
// RUN: pcc-opt %s -split-input-file -pc-insert-nodes -pc-build-training -canonicalize -cse -loop-invariant-code-motion -cse -canonicalize | FileCheck %s --check-prefix=IL

// A tiny CNN: conv (the clamped input) -> relu -> max_pool -> conv. The
// training functions differentiate through the window ops' VJPs: the
// filter gradient of both convolutions, the input gradient of the second
// (its input is a vertex; the first conv's input is clamped, so it has
// none), and the max pool adjoint.
func.func @cnn(%x: tensor<1x1x6x6xf32> {pc.role = "input"}, %w1: tensor<2x1x3x3xf32> {pc.role = "param"},
               %w2: tensor<3x2x2x2xf32> {pc.role = "param"}) -> tensor<1x3x2x2xf32> attributes {pc.graph} {
  %0 = pc.conv %x, %w1 {group = 1, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
  %1 = pc.relu %0 : tensor<1x2x6x6xf32>
  %2 = pc.max_pool %1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32>
  %3 = pc.conv %2, %w2 {group = 1, kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<3x2x2x2xf32>) -> tensor<1x3x2x2xf32>
  return %3 : tensor<1x3x2x2xf32>
}

// bp: the chain rule backwards from the output error.
// BP-LABEL: func.func @pcc_train(
// BP-SAME:    %[[X:[^:]*]]: tensor<1x1x6x6xf32>, %[[T:[^:]*]]: tensor<1x3x2x2xf32>, %[[W1:[^:]*]]: tensor<2x1x3x3xf32>, %[[W2:[^:]*]]: tensor<3x2x2x2xf32>
// BP:       %[[C1:.*]] = pc.conv %[[X]], %[[W1]]
// BP:       %[[R:.*]] = pc.relu %[[C1]]
// BP:       %[[P:.*]] = pc.max_pool %[[R]]
// BP:       %[[E:.*]] = pc.loss_error mse
// BP-DAG:   %[[GP:.*]] = pc.conv_input_grad %[[E]], %[[W2]] {dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x2x2xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x3x3xf32>
// BP-DAG:   %[[GW2:.*]] = pc.conv_filter_grad %[[E]], %[[P]] {{{.*}}kernel_shape = array<i64: 2, 2>{{.*}}} : (tensor<1x3x2x2xf32>, tensor<1x2x3x3xf32>) -> tensor<3x2x2x2xf32>
// BP:       %[[GR:.*]] = pc.max_pool_grad %[[GP]], %[[R]] {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x3x3xf32>, tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
// BP:       %[[GC1:.*]] = pc.relu_grad %[[GR]], %[[R]]
// BP:       %[[GW1:.*]] = pc.conv_filter_grad %[[GC1]], %[[X]] {{{.*}}kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>{{.*}}} : (tensor<1x2x6x6xf32>, tensor<1x1x6x6xf32>) -> tensor<2x1x3x3xf32>
// BP-NOT:   pc.conv_input_grad
// BP:       %[[N1:.*]] = pc.neg %[[GW1]]
// BP:       %[[N2:.*]] = pc.neg %[[GW2]]
// BP:       return %[[N1]], %[[N2]]

// il: inside the relaxation loop the value nodes of relu, max_pool and the
// hidden conv input receive their children's errors through the VJPs;
// after it, each parameter learns from its own vertex's error.
// IL-LABEL: func.func @pcc_train(
// IL-SAME:    %[[X:[^:]*]]: tensor<1x1x6x6xf32>, %[[T:[^:]*]]: tensor<1x3x2x2xf32>, %[[W1:[^:]*]]: tensor<2x1x3x3xf32>, %[[W2:[^:]*]]: tensor<3x2x2x2xf32>
// IL:       scf.for {{.*}} iter_args(%[[V0:.*]] = %{{.*}}, %[[V1:.*]] = %{{.*}}, %[[V2:.*]] = %{{.*}})
// IL:         %[[EP:.*]] = pc.error %[[V2]], %{{.*}} : tensor<1x2x3x3xf32>
// IL:         %[[EOUT:.*]] = pc.loss_error mse
// IL-DAG:     pc.max_pool_grad %[[EP]], %[[V1]] {{.*}} : (tensor<1x2x3x3xf32>, tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
// IL-DAG:     pc.conv_input_grad %[[EOUT]], %[[W2]] {{.*}} : (tensor<1x3x2x2xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x3x3xf32>
// IL:         scf.yield
// IL-NOT:   pc.conv_input_grad
// IL:       %[[F0:.*]] = pc.error %{{.*}}#0, %{{.*}} : tensor<1x2x6x6xf32>
// IL:       %[[FOUT:.*]] = pc.loss_error mse
// IL-DAG:   %[[GW1:.*]] = pc.conv_filter_grad %[[F0]], %[[X]] {{.*}} -> tensor<2x1x3x3xf32>
// IL-DAG:   %[[GW2:.*]] = pc.conv_filter_grad %[[FOUT]], %{{.*}}#2 {{.*}} -> tensor<3x2x2x2xf32>
// IL-NOT:   pc.max_pool_grad
// IL:       return

// -----

// Every other new op once, under bp: each VJP appears in the order the
// chain rule visits it. concat's adjoint is unit slices of the cotangent,
// pad's a slice at the low offsets, broadcast_to's a sum_to, reduce_sum's
// a scaled broadcast, softplus's a product with sigmoid.
func.func @ops(%x: tensor<2x4xf32> {pc.role = "input"}, %w: tensor<4x4xf32> {pc.role = "param"}) -> tensor<2x3xf32> attributes {pc.graph} {
  %0 = pc.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %1 = pc.abs %0 : tensor<2x4xf32>
  %2 = pc.sqrt %1 : tensor<2x4xf32>
  %3 = pc.softplus %2 : tensor<2x4xf32>
  %4 = pc.elu %3 {alpha = 0.5 : f32} : tensor<2x4xf32>
  %5 = pc.clip %4 {min = -1.0 : f32, max = 2.0 : f32} : tensor<2x4xf32>
  %6 = pc.pow %5 {exponent = 2.0 : f32} : tensor<2x4xf32>
  %7 = pc.slice %6 {starts = array<i64: 1, 3>, steps = array<i64: -1, -2>} : (tensor<2x4xf32>) -> tensor<2x2xf32>
  %8 = pc.pad %7 {low = array<i64: 0, 1>, high = array<i64: 0, 0>, value = 0.0 : f32} : (tensor<2x2xf32>) -> tensor<2x3xf32>
  %9 = pc.gather %8 {axis = 1, indices = array<i64: 2, 0, 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %10 = pc.reduce_sum %9 {axes = array<i64: 1>, scale = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  %11 = pc.broadcast_to %10 : (tensor<2x1xf32>) -> tensor<2x2xf32>
  %12 = pc.concat %11, %7 {axis = 1} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
  %13 = pc.reshape %12 : (tensor<2x4xf32>) -> tensor<1x2x2x2xf32>
  %14 = pc.avg_pool %13 {count_include_pad = false, kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 0, 0>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %15 = pc.reshape %14 : (tensor<1x2x2x2xf32>) -> tensor<2x4xf32>
  %16 = pc.slice %15 {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<2x4xf32>) -> tensor<2x3xf32>
  return %16 : tensor<2x3xf32>
}

// BP-LABEL: func.func @pcc_train(
// BP:       %[[E:.*]] = pc.loss_error mse
// BP-NEXT:  %[[G16:.*]] = pc.slice_grad %[[E]] {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x4xf32>
// BP-NEXT:  %[[G15:.*]] = pc.reshape %[[G16]] : (tensor<2x4xf32>) -> tensor<1x2x2x2xf32>
// BP-NEXT:  %[[G14:.*]] = pc.avg_pool_grad %[[G15]] {count_include_pad = false, {{.*}}pads = array<i64: 1, 1, 0, 0>{{.*}}} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
// BP-NEXT:  %[[G13:.*]] = pc.reshape %[[G14]] : (tensor<1x2x2x2xf32>) -> tensor<2x4xf32>
// BP-NEXT:  %[[G11:.*]] = pc.slice %[[G13]] {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<2x4xf32>) -> tensor<2x2xf32>
// BP-NEXT:  %[[G7A:.*]] = pc.slice %[[G13]] {starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : (tensor<2x4xf32>) -> tensor<2x2xf32>
// BP-NEXT:  %[[G10:.*]] = pc.sum_to %[[G11]] : (tensor<2x2xf32>) -> tensor<2x1xf32>
// BP-NEXT:  %[[S:.*]] = arith.constant dense<5.000000e-01> : tensor<f32>
// BP-NEXT:  %[[G10S:.*]] = pc.mul %[[G10]], %[[S]]
// BP-NEXT:  %[[G9:.*]] = pc.broadcast_to %[[G10S]] : (tensor<2x1xf32>) -> tensor<2x3xf32>
// BP-NEXT:  %[[G8:.*]] = pc.gather_grad %[[G9]] {axis = 1 : i64, indices = array<i64: 2, 0, 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
// BP-NEXT:  %[[G7B:.*]] = pc.slice %[[G8]] {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
// BP-NEXT:  %[[G7:.*]] = pc.add %[[G7A]], %[[G7B]]
// BP-NEXT:  %[[G6:.*]] = pc.slice_grad %[[G7]] {starts = array<i64: 1, 3>, steps = array<i64: -1, -2>} : (tensor<2x2xf32>) -> tensor<2x4xf32>
// BP-NEXT:  %[[G5:.*]] = pc.pow_grad %[[G6]], %{{.*}} {exponent = 2.000000e+00 : f32}
// BP-NEXT:  %[[G4:.*]] = pc.clip_grad %[[G5]], %{{.*}} {max = 2.000000e+00 : f32, min = -1.000000e+00 : f32}
// BP-NEXT:  %[[G3:.*]] = pc.elu_grad %[[G4]], %{{.*}} {alpha = 5.000000e-01 : f32}
// BP-NEXT:  %[[SIG:.*]] = pc.sigmoid %[[SQRT:.*]] : tensor<2x4xf32>
// BP-NEXT:  %[[G2:.*]] = pc.mul %[[G3]], %[[SIG]]
// BP-NEXT:  %[[G1:.*]] = pc.sqrt_grad %[[G2]], %[[SQRT]]
// BP-NEXT:  %[[G0:.*]] = pc.abs_grad %[[G1]], %[[MM:.*]] : tensor<2x4xf32>
// BP-NEXT:  %[[GW:.*]] = pc.matmul %{{.*}}, %[[G0]] {transpose_lhs = true}
// BP-NEXT:  %[[NW:.*]] = pc.neg %[[GW]]
// BP-NEXT:  return %[[NW]]
