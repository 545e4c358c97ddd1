//===- PCOps.h - pc dialect ------------------------------------*- C++ -*-===//
#ifndef PC_PCOPS_H
#define PC_PCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::pc {
/// Marks data-movement graph ops (PC_Wiring in PCInterfaces.td).
template <typename ConcreteType>
class Wiring : public OpTrait::TraitBase<ConcreteType, Wiring> {};
/// Marks ops that can end a layer vertex (PC_LayerTail in PCInterfaces.td).
template <typename ConcreteType>
class LayerTail : public OpTrait::TraitBase<ConcreteType, LayerTail> {};
} // namespace mlir::pc

#include "pc/PCDialect.h.inc"
#include "pc/PCEnums.h.inc"
#include "pc/PCInterfaces.h.inc"

#define GET_OP_CLASSES
#include "pc/PCOps.h.inc"

namespace mlir::pc {
/// The NumPy broadcast of two static shapes, or failure if incompatible.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b);
} // namespace mlir::pc

#endif // PC_PCOPS_H
