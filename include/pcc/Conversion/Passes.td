//===- Passes.td - lowerings out of the pc dialect ---------*- tablegen -*-===//
#ifndef PCC_CONVERSION_PASSES_TD
#define PCC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def PCToLinalg : Pass<"pc-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower pc tensor ops to linalg, tensor, arith and math";
  let description = [{
    Elementwise ops (with broadcasting) become `linalg.generic`, matrix
    products `linalg.matmul` (or its transposed forms), reductions
    (softmax, losses, `sum_to`) reduction `linalg.generic`s, reshapes
    `tensor.collapse_shape`/`expand_shape`. Predictive-coding marker ops
    must be gone by now (`pc-build-training`).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

def PCEntryPoints : Pass<"pc-entry-points", "mlir::ModuleOp"> {
  let summary = "Give entry functions a destination-passing memref ABI";
  let description = [{
    Every function marked `pc.entry` is rewritten to take all tensors as
    memrefs: inputs are read through `bufferization.to_tensor restrict` and
    results are written into caller-provided memrefs appended to the
    argument list, so that the C library owns every buffer that crosses the
    boundary. Scalars stay scalars. Function names get the `prefix`.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"pcc\"",
           "symbol prefix of the emitted kernels">,
  ];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def PCMatmulToRuntime : Pass<"pc-matmul-to-runtime", "mlir::ModuleOp"> {
  let summary = "Call the runtime's GEMM kernel for contiguous memref matmuls";
  let description = [{
    `linalg.matmul`, `linalg.matmul_transpose_a` and `linalg.matmul_transpose_b`
    on f32 memrefs with the identity layout become a call to
    `pcc_rt_sgemm(transA, transB, M, N, K, A, B, C)` (C += op(A) op(B)), a
    cache-blocked kernel in pcc's runtime. Other matmuls are left for
    `convert-linalg-to-loops`.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def PCFuseElementwise : Pass<"pc-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg producers into their only consumer";
  let description = [{
    Upstream elementwise fusion with a control that fuses a producer only
    when the consumer is its one user and reads it through a permutation:
    nothing shared is recomputed, and no producer is re-evaluated for every
    element of a broadcast or a window (fusing those made the CNN 3x
    slower).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def PCOutlineKernels : Pass<"pc-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Outline every linalg op on buffers into a deduplicated kernel";
  let description = [{
    In the entry functions (`pc.kernel`), every linalg op with buffer
    semantics becomes a call to a private function holding just that op,
    its operands and the values its body reads from outside as arguments
    (constants are copied in). Identical kernels (same op, attributes,
    operand types and body) are one function: the time steps of an
    unrolled recurrence or the repeated blocks of a ResNet share their
    kernels. The kernels are `no_inline`, so LLVM optimises many small
    functions instead of one huge one and compile time stays linear in the
    graph.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"pcc\"",
           "symbol prefix of the kernels">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def PCUpdateCarriedInPlace : Pass<"pc-update-carried-in-place"> {
  let summary = "Let the relaxation loop update its value nodes in place";
  let description = [{
    The relaxation loop carries every value node as an `scf.for` iter_arg
    and yields `x + step`. Lowered as is, that last elementwise
    `linalg.generic` writes into a fresh `tensor.empty`, so bufferization
    allocates a new buffer for every value node in every step and the loop
    carries (and clones) it. This pass makes such a generic write into the
    iter_arg it reads instead: when its payload ignores the output's old
    contents, its input and output use the same indexing map, and it sits
    directly in the loop body. The result is the same tensor; whether the
    write happens in place is left to one-shot-bufferize, which copies where
    the old value is still read afterwards.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect"];
}

def PCApproximateMath : Pass<"pc-approximate-math"> {
  let summary = "Inline polynomial approximations of f32 math functions";
  let description = [{
    Rewrites f32 `math` ops that would otherwise become scalar libm calls
    (tanh, exp, expm1, log, log1p, ...) into MLIR's polynomial
    approximations (relative error on the order of float rounding), which
    are plain arithmetic: LLVM inlines and vectorizes them with the loops
    around them. Activations and their derivatives dominate the elementwise
    work of recurrent graphs.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def PCInsertChainsToBuffers : Pass<"pc-insert-chains-to-buffers"> {
  let summary = "Write chains of tensor.insert_slice into one buffer";
  let description = [{
    A chain `%v1 = insert_slice %a into %v0`, `%v2 = insert_slice %b into
    %v1`, ... in which every intermediate value feeds only the next insert
    (a concatenation, the adjoint of the slices of an unrolled recurrence)
    becomes one `memref.alloc` that each link writes through
    `bufferization.materialize_in_destination` into its subview, and one
    `bufferization.to_tensor restrict writable` for the chain's result.
    The buffers and copies are the ones one-shot-bufferize would make for
    the chain in place, but its read-after-write analysis no longer sees
    N aliasing writes of one tensor: that analysis grows with the cube of
    the chain's length (a 128-step RNN spent 90 % of its compile there).
    The chain's first destination is filled or copied into the buffer
    (nothing for a `tensor.empty`).
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect"];
}

def PCStridedCopiesToLinalg : Pass<"pc-strided-copies-to-linalg"> {
  let summary = "Turn memref.copy of non-unit-stride rows into linalg.copy";
  let description = [{
    MLIR lowers a `memref.copy` whose operands are not both contiguous to a
    call of the runtime's `memrefCopy`, which copies a row at a time with
    `memcpy` where both innermost strides are 1 and one element per
    `memcpy` call otherwise. Copies of the second kind (a transposed or
    strided view: a strided slice's adjoint, a dilated window) become
    `linalg.copy`, a loop nest LLVM compiles for its static shape. The
    others stay as they are.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def PCSplitSharedEmptyTensors : Pass<"pc-split-shared-empty-tensors"> {
  let summary = "Give every use of a tensor.empty its own tensor.empty";
  let description = [{
    CSE merges equal `tensor.empty` ops, so one of them often initialises
    several unrelated ops. MLIR 19's `eliminate-empty-tensors` replaces an
    empty tensor it eliminates for one of its users for all of them: the
    results of unrelated ops (two gradients of one shape) are then written
    into one output buffer. This pass clones a `tensor.empty` with several
    uses once per further use, next to the original (no allocation moves
    into a loop), so that the elimination rewrites one user at a time. An
    empty tensor allocates nothing until bufferization, and each user then
    needs its own buffer anyway.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

#endif // PCC_CONVERSION_PASSES_TD
