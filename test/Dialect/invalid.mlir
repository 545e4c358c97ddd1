// RUN: pcc-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{operand shapes do not broadcast}}
  %0 = pc.add %a, %b : (tensor<4x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @bad_broadcast_result(%a: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{result shape must be the broadcast shape}}
  %0 = pc.mul %a, %b : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @bad_contraction(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{contraction dimensions differ: 3 vs 4}}
  %0 = pc.matmul %a, %b : (tensor<4x3xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<2x4x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{operands and result must have one rank of at least 2}}
  %0 = pc.matmul %a, %b : (tensor<2x4x3xf32>, tensor<3x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @bad_reshape(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{element count changes from 12 to 10}}
  %0 = pc.reshape %a : (tensor<4x3xf32>) -> tensor<10xf32>
  return
}

// -----

func.func @bad_perm(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{perm is not a permutation}}
  %0 = pc.transpose %a {perm = array<i64: 0, 0>} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @bad_axis(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = pc.softmax %a {axis = 2} : tensor<4x3xf32>
  return
}

// -----

func.func @bad_sum_to(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{result shape must broadcast to the input shape}}
  %0 = pc.sum_to %a : (tensor<4x3xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @bad_loss(%y: tensor<4x3xf32>, %t: tensor<4x2xf32>) {
  // expected-error @+1 {{target type must equal output type}}
  %0 = pc.loss mse %y, %t : tensor<4x3xf32>, tensor<4x2xf32> -> tensor<f32>
  return
}

// -----

func.func @dynamic(%a: tensor<?x3xf32>) {
  // expected-error @+1 {{must be statically shaped tensor of 32-bit float values}}
  %0 = pc.relu %a : tensor<?x3xf32>
  return
}

// -----

func.func @slice_rank(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{starts, steps and result must have the input's rank}}
  %0 = pc.slice %a {starts = array<i64: 0>, steps = array<i64: 1>} : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return
}

// -----

func.func @slice_grad_window(%g: tensor<4x3xf32>) {
  // expected-error @+1 {{dimension 1 reads outside the result}}
  %0 = pc.slice_grad %g {starts = array<i64: 0, 2>, steps = array<i64: 1, 2>} : (tensor<4x3xf32>) -> tensor<4x6xf32>
  return
}

// -----

func.func @slice_grad_accumulator(%g: tensor<4x3xf32>, %acc: tensor<4x7xf32>) {
  // expected-error @+1 {{accumulator must have the result type}}
  %0 = pc.slice_grad %g into %acc {starts = array<i64: 0, 0>, steps = array<i64: 1, 2>} : (tensor<4x3xf32>, tensor<4x7xf32>) -> tensor<4x6xf32>
  return
}

// -----

func.func @slice_zero_step(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{step 1 is zero}}
  %0 = pc.slice %a {starts = array<i64: 0, 0>, steps = array<i64: 1, 0>} : (tensor<4x6xf32>) -> tensor<4x2xf32>
  return
}

// -----

// The last element read, 1 + 2 * 3 = 7, is past the end of a size-6 axis.
func.func @slice_past_end(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{dimension 1 reads outside the input}}
  %0 = pc.slice %a {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : (tensor<4x6xf32>) -> tensor<4x4xf32>
  return
}

// -----

// A negative step reading below index 0: 1 - 1 * 2 = -1.
func.func @slice_negative_step_before_start(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{dimension 0 reads outside the input}}
  %0 = pc.slice %a {starts = array<i64: 1, 0>, steps = array<i64: -1, 1>} : (tensor<4x6xf32>) -> tensor<3x6xf32>
  return
}

// -----

func.func @slice_start_out_of_range(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{dimension 0 reads outside the input}}
  %0 = pc.slice %a {starts = array<i64: 4, 0>, steps = array<i64: -1, 1>} : (tensor<4x6xf32>) -> tensor<1x6xf32>
  return
}

// -----

func.func @concat_axis_size(%a: tensor<4x6xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{result axis size must be the inputs' sum, 8}}
  %0 = pc.concat %a, %b {axis = 1} : (tensor<4x6xf32>, tensor<4x2xf32>) -> tensor<4x9xf32>
  return
}

// -----

func.func @concat_off_axis(%a: tensor<4x6xf32>, %b: tensor<3x2xf32>) {
  // expected-error @+1 {{input dimension 0 differs from the result}}
  %0 = pc.concat %a, %b {axis = 1} : (tensor<4x6xf32>, tensor<3x2xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @concat_bad_axis(%a: tensor<4x6xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{axis 2 out of range}}
  %0 = pc.concat %a, %b {axis = 2} : (tensor<4x6xf32>, tensor<4x2xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @pad_negative(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{padding amounts must be non-negative}}
  %0 = pc.pad %a {low = array<i64: -1, 0>, high = array<i64: 1, 0>, value = 0.0 : f32} : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return
}

// -----

func.func @pad_result(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{result dimension 1 must be 9}}
  %0 = pc.pad %a {low = array<i64: 0, 1>, high = array<i64: 0, 2>, value = 0.0 : f32} : (tensor<4x6xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @pad_rank(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{low, high and result must have the input's rank}}
  %0 = pc.pad %a {low = array<i64: 1>, high = array<i64: 1>, value = 0.0 : f32} : (tensor<4x6xf32>) -> tensor<6x6xf32>
  return
}

// -----

func.func @broadcast_to_bad(%a: tensor<3xf32>) {
  // expected-error @+1 {{input shape must broadcast to the result shape}}
  %0 = pc.broadcast_to %a : (tensor<3xf32>) -> tensor<4x6xf32>
  return
}

// -----

// broadcast_to never shrinks: [4x6] -> [6] is a sum_to, not a broadcast.
func.func @broadcast_to_shrinks(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{input shape must broadcast to the result shape}}
  %0 = pc.broadcast_to %a : (tensor<4x6xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @reduce_sum_unsorted(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{axes must be sorted, unique and in range}}
  %0 = pc.reduce_sum %a {axes = array<i64: 2, 0>} : (tensor<2x3x4xf32>) -> tensor<1x3x1xf32>
  return
}

// -----

func.func @reduce_sum_repeated(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{axes must be sorted, unique and in range}}
  %0 = pc.reduce_sum %a {axes = array<i64: 1, 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  return
}

// -----

func.func @reduce_sum_axis_range(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{axes must be sorted, unique and in range}}
  %0 = pc.reduce_sum %a {axes = array<i64: 3>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @reduce_sum_result(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{result dimension 1 must be 1}}
  %0 = pc.reduce_sum %a {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

// Reduced dimensions are kept with size 1; dropping them is a reshape.
func.func @reduce_sum_rank(%a: tensor<2x3x4xf32>) {
  // expected-error @+1 {{result must keep the input's rank}}
  %0 = pc.reduce_sum %a {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gather_index_range(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{index 6 out of range}}
  %0 = pc.gather %a {axis = 1, indices = array<i64: 0, 6>} : (tensor<4x6xf32>) -> tensor<4x2xf32>
  return
}

// -----

// Negative indices are normalised by the importer; the op takes none.
func.func @gather_negative_index(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{index -1 out of range}}
  %0 = pc.gather %a {axis = 0, indices = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<1x6xf32>
  return
}

// -----

func.func @gather_result(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{result dimension 1 must be 3}}
  %0 = pc.gather %a {axis = 1, indices = array<i64: 0, 1, 2>} : (tensor<4x6xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @gather_axis(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{axis out of range or result rank differs}}
  %0 = pc.gather %a {axis = 2, indices = array<i64: 0>} : (tensor<4x6xf32>) -> tensor<4x6xf32>
  return
}

// -----

// 4 input channels in 2 groups need filters with 2 channels each, not 4.
func.func @conv_group(%x: tensor<1x4x5x5xf32>, %w: tensor<6x4x3x3xf32>) {
  // expected-error @+1 {{channels 4 and filter 6x4 do not fit group 2}}
  %0 = pc.conv %x, %w {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x5x5xf32>, tensor<6x4x3x3xf32>) -> tensor<1x6x3x3xf32>
  return
}

// -----

// The filter count must divide by the group count too.
func.func @conv_group_filters(%x: tensor<1x4x5x5xf32>, %w: tensor<5x2x3x3xf32>) {
  // expected-error @+1 {{channels 4 and filter 5x2 do not fit group 2}}
  %0 = pc.conv %x, %w {group = 2, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x5x5xf32>, tensor<5x2x3x3xf32>) -> tensor<1x5x3x3xf32>
  return
}

// -----

// 5x5 padded by 1 on each side, kernel 3, stride 2: (7 - 3) / 2 + 1 = 3.
func.func @conv_spatial(%x: tensor<1x1x5x5xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{spatial result dimension 1 must be 3}}
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x4xf32>
  return
}

// -----

// Dilation 2 spans 5 input elements: (5 - 5) / 1 + 1 = 1.
func.func @conv_dilated_spatial(%x: tensor<1x1x5x5xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{spatial result dimension 0 must be 1}}
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x1xf32>
  return
}

// -----

func.func @conv_result_channels(%x: tensor<1x1x5x5xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{result channels must be 2}}
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x3x3x3xf32>
  return
}

// -----

func.func @conv_kernel_shape(%x: tensor<1x1x5x5xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{kernel_shape must match the filter}}
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  return
}

// -----

func.func @conv_window_larger(%x: tensor<1x1x2x2xf32>, %w: tensor<1x1x3x3xf32>) {
  // expected-error @+1 {{window larger than the padded input}}
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32>
  return
}

// -----

func.func @max_pool_channels(%x: tensor<1x4x4x4xf32>) {
  // expected-error @+1 {{channel count changes}}
  %0 = pc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x4xf32>) -> tensor<1x2x2x2xf32>
  return
}

// -----

func.func @avg_pool_channels(%x: tensor<1x4x4x4xf32>) {
  // expected-error @+1 {{channel count changes}}
  %0 = pc.avg_pool %x {count_include_pad = false, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x4xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

func.func @max_pool_batch(%x: tensor<2x4x4x4xf32>) {
  // expected-error @+1 {{batch size changes}}
  %0 = pc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<2x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

// Pooling may have one more (ceil_mode) window than fit, but no window may
// start past the padded input: windows at 0, 2, 4 of a 5-wide input, not 6.
func.func @max_pool_too_many_windows(%x: tensor<1x1x5x5xf32>) {
  // expected-error @+1 {{spatial result dimension 1 must be 2}}
  %0 = pc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x4xf32>
  return
}

// -----

// Fewer windows than fit is an error for pooling too.
func.func @avg_pool_too_few_windows(%x: tensor<1x1x6x6xf32>) {
  // expected-error @+1 {{spatial result dimension 0 must be 3}}
  %0 = pc.avg_pool %x {count_include_pad = true, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x6x6xf32>) -> tensor<1x1x2x3xf32>
  return
}

// -----

func.func @max_pool_kernel_length(%x: tensor<1x4x4x4xf32>) {
  // expected-error @+1 {{needs 2 kernel sizes, strides and dilations and 4 pads}}
  %0 = pc.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

func.func @avg_pool_pads_length(%x: tensor<1x4x4x4xf32>) {
  // expected-error @+1 {{needs 2 kernel sizes, strides and dilations and 4 pads}}
  %0 = pc.avg_pool %x {count_include_pad = false, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

func.func @conv_strides_length(%x: tensor<1x1x5x5xf32>, %w: tensor<2x1x3x3xf32>) {
  // expected-error @+1 {{needs 2 kernel sizes, strides and dilations and 4 pads}}
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  return
}

// -----

func.func @max_pool_zero_stride(%x: tensor<1x4x4x4xf32>) {
  // expected-error @+1 {{kernel, strides and dilations must be positive, pads non-negative}}
  %0 = pc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 0, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

func.func @max_pool_rank(%x: tensor<1x4x4xf32>) {
  // expected-error @+1 {{input and result must be 4-D (NCHW)}}
  %0 = pc.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4xf32>) -> tensor<1x4x2xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<4x6xf32>, %b: tensor<4x2x1xf32>) {
  // expected-error @+1 {{inputs must have the result's rank}}
  %0 = pc.concat %a, %b {axis = 1} : (tensor<4x6xf32>, tensor<4x2x1xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{needs at least one input}}
  %0 = pc.concat {axis = 0} : () -> tensor<4xf32>
  return
}

// -----

func.func @conv_filter_rank(%x: tensor<1x1x5x5xf32>, %w: tensor<2x9xf32>) {
  // expected-error @+1 {{filter must be 4-D (F, C/group, KH, KW)}}
  %0 = pc.conv %x, %w {group = 1, kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x5x5xf32>, tensor<2x9xf32>) -> tensor<1x2x3x3xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x4x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @+1 {{batch dimensions differ}}
  %0 = pc.matmul %a, %b : (tensor<2x4x3xf32>, tensor<3x3x5xf32>) -> tensor<2x4x5xf32>
  return
}

// -----

func.func @where_condition(%a: tensor<4xf32>) {
  // expected-error @+1 {{condition must be a static i1 tensor}}
  %0 = pc.where %a, %a {condition = dense<1.0> : tensor<4xf32>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @where_broadcast(%a: tensor<4xf32>) {
  // expected-error @+1 {{condition and operands do not broadcast}}
  %0 = pc.where %a, %a {condition = dense<true> : tensor<3xi1>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @normalize_axes(%x: tensor<2x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{axes must be sorted, unique and in range}}
  %0 = pc.normalize %x, %s, %s {axes = array<i64: 2>, epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @normalize_scale(%x: tensor<2x3xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{scale and bias must broadcast to the input}}
  %0 = pc.normalize %x, %s, %s {axes = array<i64: 1>, epsilon = 1.0e-5 : f32} : (tensor<2x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @batch_norm_channels(%x: tensor<2x3x4x4xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{scale, bias, mean and var must have 3 entries}}
  %0 = pc.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f32, momentum = 0.9 : f32} : (tensor<2x3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4x4xf32>
  return
}

// -----

func.func @reduce_max_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result dimension 1 must be 1}}
  %0 = pc.reduce_max %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @resize_scales(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{needs one scale per dimension and equal ranks}}
  %0 = pc.resize nearest asymmetric floor %x {scales = array<f32: 2.0, 2.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return
}

// -----

func.func @resize_unit_scale(%x: tensor<1x1x2x2xf32>) {
  // expected-error @+1 {{dimension 1: scales must be positive, and 1 only where the size is kept}}
  %0 = pc.resize nearest asymmetric floor %x {scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @extremum_grad_shape(%g: tensor<4xf32>, %a: tensor<5xf32>) {
  // expected-error @+1 {{operands must broadcast to the grad, which the result's type is}}
  %0 = pc.extremum_grad %g, %a, %a {is_min = false} : (tensor<4xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<4xf32>
  return
}
