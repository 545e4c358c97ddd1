//===- PCInterfaces.td - local derivatives of graph ops ----*- tablegen -*-===//
#ifndef PC_INTERFACES_TD
#define PC_INTERFACES_TD

include "mlir/IR/OpBase.td"

def LocalDerivativeOpInterface : OpInterface<"LocalDerivativeOpInterface"> {
  let cppNamespace = "::mlir::pc";
  let description = [{
    A graph op that can state its local derivatives: for a cotangent `g` of
    its (single) result, the vector-Jacobian product `J_i^T g` with respect
    to operand `i`, built from the op's own operands and result. The
    predictive-coding passes are written against this interface only: the
    inference dynamics need `J^T eps` towards every parent value node and the
    learning rule needs it towards every parameter.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/[{Builds J^T `cotangent` with respect to operand `index`, at
        the insertion point of `builder`. The result has the operand's type.}],
      /*retTy=*/"::mlir::Value",
      /*methodName=*/"buildOperandVJP",
      /*args=*/(ins "::mlir::OpBuilder &":$builder, "unsigned":$index,
                    "::mlir::Value":$cotangent)>,
  ];
}

#endif // PC_INTERFACES_TD
