//===- PCDialect.cpp - pc dialect registration ----------------------------===//
#include "pc/PCOps.h"

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
