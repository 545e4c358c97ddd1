//===- PCDialect.cpp - pc dialect registration ----------------------------===//
#include "pc/PCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::pc;

#include "pc/PCDialect.cpp.inc"
#include "pc/PCEnums.cpp.inc"
#include "pc/PCInterfaces.cpp.inc"

void PCDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "pc/PCOps.cpp.inc"
      >();
}

Operation *PCDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type)
    return nullptr;
  return builder.create<arith::ConstantOp>(loc, typed);
}
