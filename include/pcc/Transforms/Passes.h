//===- Passes.h - predictive-coding passes ---------------------*- C++ -*-===//
#ifndef PCC_TRANSFORMS_PASSES_H
#define PCC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::pc {
class PCDialect;
#define GEN_PASS_DECL
#include "pcc/Transforms/Passes.h.inc"
#define GEN_PASS_REGISTRATION
#include "pcc/Transforms/Passes.h.inc"
} // namespace mlir::pc

#endif // PCC_TRANSFORMS_PASSES_H
