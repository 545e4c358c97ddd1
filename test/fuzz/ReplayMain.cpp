//===- ReplayMain.cpp - run the fuzz target over files, without libFuzzer -===//
//
//   pcc-fuzz-replay FILE_OR_DIR...
//
// Feeds every file (directories: every file in them) to the fuzz target
// once. Exits 0 when all of them ran; a crash ends the process as it would
// under the fuzzer.
//
//===----------------------------------------------------------------------===//
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

int pccFuzzOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!llvm::sys::fs::is_directory(argv[i])) {
      files.push_back(argv[i]);
      continue;
    }
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(argv[i], ec), end;
         it != end && !ec; it.increment(ec))
      if (!llvm::sys::fs::is_directory(it->path()))
        files.push_back(it->path());
  }
  for (const std::string &file : files) {
    auto bytes = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
    if (!bytes) {
      llvm::errs() << "pcc-fuzz-replay: cannot read " << file << "\n";
      return 1;
    }
    pccFuzzOneInput(
        reinterpret_cast<const uint8_t *>((*bytes)->getBufferStart()),
        (*bytes)->getBufferSize());
  }
  llvm::outs() << "pcc-fuzz-replay: " << files.size() << " inputs ran\n";
  return files.empty() ? 1 : 0;
}
