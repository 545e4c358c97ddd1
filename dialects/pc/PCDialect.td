//===- PCDialect.td - the predictive-coding dialect --------*- tablegen -*-===//
#ifndef PC_DIALECT_TD
#define PC_DIALECT_TD

include "mlir/IR/OpBase.td"

def PC_Dialect : Dialect {
  let name = "pc";
  let cppNamespace = "::mlir::pc";
  let summary = "Tensor graphs and predictive-coding networks";
  let description = [{
    The `pc` dialect holds two levels of the pcc pipeline. Graph ops are the
    computation imported from ONNX, on statically shaped f32 tensors; every
    one of them states its local derivatives through
    `LocalDerivativeOpInterface`. Predictive-coding ops (`pc.value`,
    `pc.error`, `pc.loss`, `pc.loss_error`, `pc.half_sq_norm`) mark the value
    and error nodes and the energy of the network the PC passes build.
    Derivative ops (`pc.sum_to`, `pc.*_grad`) are what the local derivative
    builders emit.
  }];
  // Folds produce arith.constant tensors.
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class PC_Op<string mnemonic, list<Trait> traits = []>
    : Op<PC_Dialect, mnemonic, traits>;

#endif // PC_DIALECT_TD
