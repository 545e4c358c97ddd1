//===- pcc-opt.cpp - mlir-opt with the pc dialect and pcc's passes --------===//
#include "pcc/Target/Pipeline.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  pcc::registerPCCDialects(registry);
  pcc::registerPCCPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "pcc optimizer driver\n", registry));
}
