//===- Passes.h - lowerings out of the pc dialect --------------*- C++ -*-===//
#ifndef PCC_CONVERSION_PASSES_H
#define PCC_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::pc {
#define GEN_PASS_DECL
#include "pcc/Conversion/Passes.h.inc"
#define GEN_PASS_REGISTRATION
#include "pcc/Conversion/Passes.h.inc"
} // namespace mlir::pc

#endif // PCC_CONVERSION_PASSES_H
