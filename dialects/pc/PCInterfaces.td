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

def StatefulOpInterface : OpInterface<"StatefulOpInterface"> {
  let cppNamespace = "::mlir::pc";
  let description = [{
    A graph op that behaves differently in training and in prediction and
    carries state between calls (batch normalisation in training mode:
    batch statistics when training, the running estimates when
    predicting, and the running estimates updated from each training
    batch). Its state operands are function arguments of role `state`.
    The training form is the op itself; the PC passes ask it for its
    prediction form and for its state updates.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/"The operands that are state, in a fixed order.",
      /*retTy=*/"::llvm::SmallVector<::mlir::Value>",
      /*methodName=*/"getStateOperands">,
    InterfaceMethod<
      /*desc=*/[{Builds the op's result as prediction computes it (from the
        state), at the insertion point of `builder`.}],
      /*retTy=*/"::mlir::Value",
      /*methodName=*/"buildInferenceForm",
      /*args=*/(ins "::mlir::OpBuilder &":$builder)>,
    InterfaceMethod<
      /*desc=*/[{Builds the new value of every state operand after a training
        step on this op's operands, in the order of getStateOperands.}],
      /*retTy=*/"::llvm::SmallVector<::mlir::Value>",
      /*methodName=*/"buildStateUpdates",
      /*args=*/(ins "::mlir::OpBuilder &":$builder)>,
  ];
}

// Graph ops that only move or replicate elements (reshape, transpose, slice,
// concat, gather, pad, broadcast). They are wiring between vertices, not
// computations: the predictive-coding passes give them no value or error
// node, re-evaluate them from the values they read, and pass J^T eps through
// them. The graph's output op is a vertex even when it is wiring.
def PC_Wiring : NativeOpTrait<"Wiring"> {
  let cppNamespace = "::mlir::pc";
}

// Graph ops that end a layer: activations, bias adds and scales,
// normalisations. With --vertices=layer a parameterised op and the chain of
// such ops after it (each the single reader of the one before, reading no
// other activity) form one vertex, as in a PC layer mu = f(W x + b): only
// the chain's last op gets a value node; the others are re-evaluated from
// the values they read, like wiring.
def PC_LayerTail : NativeOpTrait<"LayerTail"> {
  let cppNamespace = "::mlir::pc";
}

#endif // PC_INTERFACES_TD
