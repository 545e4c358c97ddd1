//===- Link.cpp - the in-process link of a model library -------------------===//
//
// lld links the kernel and glue objects with pcc's runtime archive. The C
// library and libm are the ones this process runs on, found through the
// dynamic loader, so no compiler driver or search path is involved.
//
//===----------------------------------------------------------------------===//
#include "ModelInfo.h"

#include "lld/Common/Driver.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <link.h>
#include <mutex>

LLD_HAS_DRIVER(elf)

using namespace pcc;

namespace {

/// Where the runtime archive lives: options.runtimeDir, PCC_RUNTIME_DIR, or
/// `lib/` beside the directory of the pcc executable (build and install).
std::string runtimeDir(const CompileOptions &o) {
  if (!o.runtimeDir.empty())
    return o.runtimeDir;
  if (const char *env = std::getenv("PCC_RUNTIME_DIR"))
    return env;
  llvm::SmallString<256> dir(o.pccExecutable);
  llvm::sys::path::remove_filename(dir);
  llvm::sys::path::append(dir, "..", "lib");
  return dir.str().str();
}

/// The loaded shared objects whose file names start with `libc.so.` and
/// `libm.so.` (glibc's libc.so.6 and libm.so.6), and the sanitizer
/// runtimes when this process has them (a sanitizer build of pcc links
/// its sanitized runtime archive against them; --as-needed drops them
/// otherwise).
int systemLibraries(std::vector<std::string> &paths, std::string &error) {
  struct Found {
    std::string libc, libm;
    std::vector<std::string> sanitizers;
  } found;
  dl_iterate_phdr(
      [](struct dl_phdr_info *object, size_t, void *data) {
        auto *f = static_cast<Found *>(data);
        llvm::StringRef path = object->dlpi_name ? object->dlpi_name : "";
        llvm::StringRef file = llvm::sys::path::filename(path);
        if (file.starts_with("libc.so.") && f->libc.empty())
          f->libc = path.str();
        if (file.starts_with("libm.so.") && f->libm.empty())
          f->libm = path.str();
        if (file.starts_with("libasan.so") || file.starts_with("libubsan.so"))
          f->sanitizers.push_back(path.str());
        return 0;
      },
      &found);
  if (found.libc.empty() || found.libm.empty()) {
    error = "cannot find the C library and libm this process runs on "
            "(libc.so.*, libm.so.*) to link the library against";
    return 1;
  }
  paths = found.sanitizers;
  paths.push_back(found.libm);
  paths.push_back(found.libc);
  return 0;
}

int writeFile(const std::string &path, const std::string &text,
              std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return 1;
  }
  os << text;
  return 0;
}

/// lld's first error line, without its "ld.lld: error: " tag.
std::string firstError(llvm::StringRef log) {
  llvm::SmallVector<llvm::StringRef> lines;
  log.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    size_t tag = line.find("error: ");
    if (tag != llvm::StringRef::npos)
      return line.substr(tag + 7).str();
  }
  return log.split('\n').first.str();
}

} // namespace

int pcc::linkLibrary(const CompileOptions &o,
                     const std::vector<std::string> &objects,
                     const std::vector<std::string> &exports,
                     std::string &error) {
  llvm::SmallString<256> dir(objects.front());
  llvm::sys::path::remove_filename(dir);
  std::string scriptPath = (dir + "/exports.map").str();
  std::string script = "{\n  global:\n";
  for (const std::string &fn : exports)
    script += "    " + fn + ";\n";
  script += "  local: *;\n};\n";
  if (writeFile(scriptPath, script, error))
    return 1;

  std::string archive = runtimeDir(o) + "/libpcc_runtime.a";
  if (!llvm::sys::fs::exists(archive)) {
    error = "cannot find pcc's runtime library '" + archive +
            "' (set PCC_RUNTIME_DIR)";
    return 1;
  }
  std::vector<std::string> system;
  if (systemLibraries(system, error))
    return 1;

  // Written beside the output and renamed over it: a process that has the
  // old library loaded keeps its file.
  std::string tmpOut = o.output + ".pcc-tmp";
  std::vector<std::string> args = {"ld.lld", "-shared", "-z", "noexecstack",
                                   "-z", "defs", "--eh-frame-hdr",
                                   "--build-id", "--as-needed",
                                   "--version-script=" + scriptPath,
                                   "-o", tmpOut};
  args.insert(args.end(), objects.begin(), objects.end());
  args.push_back(archive);
  args.insert(args.end(), system.begin(), system.end());
  std::vector<const char *> argv;
  for (const std::string &a : args)
    argv.push_back(a.c_str());

  // lld keeps its state in globals: one link at a time, and none after a
  // link that lld says corrupted them.
  static std::mutex linkMutex;
  static bool lldUsable = true;
  std::string log;
  llvm::raw_string_ostream logStream(log);
  lld::Result result{1, true};
  {
    std::lock_guard<std::mutex> lock(linkMutex);
    if (!lldUsable) {
      error = "the in-process linker failed earlier in this process and "
              "cannot run again; restart the process";
      return 1;
    }
    result = lld::lldMain(argv, logStream, logStream,
                          {{lld::Gnu, &lld::elf::link}});
    lldUsable = result.canRunAgain;
  }
  if (result.retCode != 0) {
    error = "linking the library failed: " + firstError(log);
    llvm::sys::fs::remove(tmpOut);
    return 1;
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmpOut, o.output)) {
    error = "cannot write '" + o.output + "': " + ec.message();
    llvm::sys::fs::remove(tmpOut);
    return 1;
  }
  return 0;
}
