//===- NeighboursTest.cpp - many pcc libraries in one process -------------===//
//
// Libraries emitted by pcc live next to each other and next to the
// application: 60 loaded at once (copies of four libraries built from one
// model, with and without --prefix), driven round-robin and from threads,
// loaded and unloaded repeatedly, unloaded under a thread that used them,
// and recompiled to the path a process has loaded. Each library's results
// must be exactly those it gives alone.
//
//===----------------------------------------------------------------------===//
#include "pcc/pcc.h"

#include <gtest/gtest.h>

#if defined(__SANITIZE_ADDRESS__)
#define PCC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PCC_ASAN 1
#endif
#endif
#ifdef PCC_ASAN
// ASan's allocator statistics (sanitizer/allocator_interface.h, which
// GCC does not install).
extern "C" size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include <dlfcn.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Library {
  std::string path, prefix;
  int inSize = 0, outSize = 0; // elements of the input and the output
  void *handle = nullptr;
  decltype(&::pcc_create) create = nullptr;
  decltype(&::pcc_destroy) destroy = nullptr;
  decltype(&::pcc_train_step) trainStep = nullptr;
  decltype(&::pcc_predict) predict = nullptr;
  decltype(&::pcc_num_params) numParams = nullptr;
  decltype(&::pcc_param_data) paramData = nullptr;
  decltype(&::pcc_param_shape) paramShape = nullptr;
  decltype(&::pcc_param_rank) paramRank = nullptr;
  decltype(&::pcc_set_hyperparameter) setHyperparameter = nullptr;
  decltype(&::pcc_last_error) lastError = nullptr;
  decltype(&::pcc_signature) signature = nullptr;

  template <typename F> bool bind(F &fn, const char *name) {
    fn = reinterpret_cast<F>(dlsym(handle, (prefix + "_" + name).c_str()));
    return fn != nullptr;
  }
  /// Loads the library; empty on success, else what went wrong.
  std::string open() {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return std::string("dlopen: ") + dlerror();
    bool ok = bind(create, "create") && bind(destroy, "destroy") &&
              bind(trainStep, "train_step") && bind(predict, "predict") &&
              bind(numParams, "num_params") && bind(paramData, "param_data") &&
              bind(paramShape, "param_shape") && bind(paramRank, "param_rank") &&
              bind(setHyperparameter, "set_hyperparameter") &&
              bind(lastError, "last_error") && bind(signature, "signature");
    return ok ? "" : "missing symbols in " + path;
  }
  void close() {
    if (handle)
      dlclose(handle);
    handle = nullptr;
  }
};

/// A fixed batch, different for each `seed`.
void batch(const Library &lib, int seed, std::vector<float> &x,
           std::vector<float> &t) {
  x.resize(lib.inSize);
  t.resize(lib.outSize);
  for (int i = 0; i < lib.inSize; ++i)
    x[i] = float((i * 7 + seed * 13) % 11) / 10.0f - 0.5f;
  for (int i = 0; i < lib.outSize; ++i)
    t[i] = float((i * 5 + seed * 3) % 7) / 7.0f - 0.4f;
}

/// One model of a library, trained on its own batch at its own rate.
struct Trainer {
  Library *lib;
  pcc_model *m = nullptr;
  int seed;
  std::vector<float> x, t;

  Trainer(Library *lib, int seed) : lib(lib), seed(seed) {
    batch(*lib, seed, x, t);
    m = lib->create();
    if (m)
      lib->setHyperparameter(m, "learning_rate", 1e-3 * (1 + seed % 5));
  }
  ~Trainer() {
    if (m)
      lib->destroy(m);
  }
  Trainer(const Trainer &) = delete;
  int step() {
    const float *in[] = {x.data()};
    return lib->trainStep(m, in, t.data(), nullptr);
  }
  /// The parameters and the prediction, bit for bit.
  std::vector<float> result() {
    std::vector<float> out;
    for (int64_t i = 0; i < lib->numParams(); ++i) {
      int64_t n = 1;
      for (int64_t d = 0; d < lib->paramRank(i); ++d)
        n *= lib->paramShape(i)[d];
      const float *p = lib->paramData(m, i);
      out.insert(out.end(), p, p + n);
    }
    std::vector<float> y(lib->outSize);
    const float *in[] = {x.data()};
    if (lib->predict(m, in, y.data()) != 0)
      y.assign(lib->outSize, -1.0f);
    out.insert(out.end(), y.begin(), y.end());
    return out;
  }
};

bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The tiny model (make_tiny_model.py: x [4, 3] -> y [4, 2]) compiled three
// ways, and at batch 512, whose buffers (10 KiB and more) go through the
// runtime's per-thread buffer cache.
struct Source {
  const char *path, *prefix;
  int inSize, outSize;
};
const Source kSources[] = {{PCC_TEST_TINY_IL_SO, "pcc", 12, 8},
                           {PCC_TEST_TINY_PREFIX_SO, "tiny", 12, 8},
                           {PCC_TEST_TINY_FROZEN_SO, "pcc", 12, 8},
                           {PCC_TEST_TINY_BATCH512_SO, "big", 512 * 3, 512 * 2}};
constexpr int kNumSources = 4;

Library fromSource(int k, const std::string &path) {
  Library lib;
  lib.path = path;
  lib.prefix = kSources[k].prefix;
  lib.inSize = kSources[k].inSize;
  lib.outSize = kSources[k].outSize;
  return lib;
}

std::string tempDir() {
  char tmpl[] = "/tmp/pcc-neighbours-XXXXXX";
  const char *d = mkdtemp(tmpl);
  return d ? d : "";
}

void copyFile(const std::string &from, const std::string &to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary);
  out << in.rdbuf();
}

/// `count` copies of the libraries (source i % 4, or `only`) under
/// distinct paths in `dir` (distinct files: the loader maps each on its
/// own).
std::vector<Library> copies(const std::string &dir, int count, int only = -1) {
  std::vector<Library> libs;
  for (int i = 0; i < count; ++i) {
    int k = only >= 0 ? only : i % kNumSources;
    libs.push_back(fromSource(k, dir + "/lib" + std::to_string(i) + ".so"));
    copyFile(kSources[k].path, libs.back().path);
  }
  return libs;
}

/// What `steps` train steps give on library source `k` for `seed`, with
/// the original file loaded alone.
std::vector<float> alone(int k, int seed, int steps) {
  Library lib = fromSource(k, kSources[k].path);
  EXPECT_EQ(lib.open(), "");
  std::vector<float> r;
  {
    Trainer run(&lib, seed);
    for (int s = 0; s < steps; ++s)
      EXPECT_EQ(run.step(), 0);
    r = run.result();
  }
  // The originals stay loaded by the test program; no close here keeps
  // them from being unloaded and reloaded between reference runs.
  return r;
}

TEST(Neighbours, SixtyLibrariesRoundRobinGiveTheirOwnResults) {
  std::string dir = tempDir();
  ASSERT_FALSE(dir.empty());
  std::vector<Library> libs = copies(dir, 60);
  for (Library &lib : libs)
    ASSERT_EQ(lib.open(), "") << lib.path;
  const int steps = 4;
  std::vector<std::unique_ptr<Trainer>> runs;
  for (size_t i = 0; i < libs.size(); ++i) {
    runs.push_back(std::make_unique<Trainer>(&libs[i], int(i)));
    ASSERT_NE(runs.back()->m, nullptr);
  }
  // Interleaved: every library's step runs between two of every other's.
  for (int s = 0; s < steps; ++s)
    for (auto &run : runs)
      ASSERT_EQ(run->step(), 0) << run->lib->lastError(run->m);
  for (size_t i = 0; i < runs.size(); ++i)
    EXPECT_TRUE(sameBits(runs[i]->result(),
                         alone(int(i % kNumSources), int(i), steps)))
        << "library " << i << " (" << kSources[i % kNumSources].path << ")";
  runs.clear();
  for (Library &lib : libs) {
    lib.close();
    std::remove(lib.path.c_str());
  }
  rmdir(dir.c_str());
}

TEST(Neighbours, ThreadsOverManyLibrariesMatchSequentialRuns) {
  std::string dir = tempDir();
  ASSERT_FALSE(dir.empty());
  std::vector<Library> libs = copies(dir, 24);
  for (Library &lib : libs)
    ASSERT_EQ(lib.open(), "");
  const int threads = 6, steps = 5;
  std::vector<std::vector<float>> results(libs.size());
  std::vector<int> failures(threads, 0);
  std::vector<std::thread> pool;
  for (int th = 0; th < threads; ++th)
    pool.emplace_back([&, th] {
      // Thread th drives libraries th, th + threads, ... one step each in
      // turn.
      std::vector<std::unique_ptr<Trainer>> mine;
      for (size_t i = th; i < libs.size(); i += threads)
        mine.push_back(std::make_unique<Trainer>(&libs[i], int(i)));
      for (int s = 0; s < steps; ++s)
        for (auto &run : mine)
          failures[th] += run->step() != 0;
      for (size_t k = 0; k < mine.size(); ++k)
        results[th + k * threads] = mine[k]->result();
    });
  for (std::thread &t : pool)
    t.join();
  for (int th = 0; th < threads; ++th)
    EXPECT_EQ(failures[th], 0) << "thread " << th;
  for (size_t i = 0; i < libs.size(); ++i)
    EXPECT_TRUE(sameBits(results[i], alone(int(i % kNumSources), int(i), steps)))
        << "library " << i;
  for (Library &lib : libs) {
    lib.close();
    std::remove(lib.path.c_str());
  }
  rmdir(dir.c_str());
}

/// Bytes the program has allocated and not freed (glibc's count, or
/// ASan's, whose allocator glibc's mallinfo does not see).
size_t heapInUse() {
#ifdef PCC_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

TEST(Neighbours, LoadUseUnloadCyclesLeakNothing) {
  std::string dir = tempDir();
  ASSERT_FALSE(dir.empty());
  std::vector<Library> libs = copies(dir, 8);
  auto cycle = [&] {
    for (Library &lib : libs) {
      ASSERT_EQ(lib.open(), "");
      // A thread of its own too: its buffer cache is released at its exit.
      std::thread([&lib] {
        Trainer run(&lib, 1);
        for (int s = 0; s < 2; ++s)
          EXPECT_EQ(run.step(), 0);
      }).join();
      Trainer run(&lib, 2);
      EXPECT_EQ(run.step(), 0);
    }
    for (Library &lib : libs) {
      lib.close();
      EXPECT_EQ(dlopen(lib.path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr)
          << lib.path << " is still loaded after dlclose";
    }
  };
  for (int i = 0; i < 3; ++i) // warm-up: the loader's own caches
    cycle();
  size_t before = heapInUse();
  for (int i = 0; i < 20; ++i)
    cycle();
  size_t after = heapInUse();
  // A leak of the batch-512 libraries' cached buffers (tens of KiB per
  // thread) or of one 4 KiB block per cycle and library would be over
  // 640 KiB here.
  EXPECT_LT(after, before + 64 * 1024)
      << "heap in use grew from " << before << " to " << after << " bytes";
  for (Library &lib : libs)
    std::remove(lib.path.c_str());
  rmdir(dir.c_str());
}

// A thread that used a library outlives the library: its exit must not run
// code of the unloaded library (the buffer cache's thread-exit destructor).
TEST(Neighbours, ThreadExitAfterTheLibraryWasUnloaded) {
  std::string dir = tempDir();
  ASSERT_FALSE(dir.empty());
  std::vector<Library> libs = copies(dir, 1, /*only=*/3);
  Library &lib = libs[0];
  ASSERT_EQ(lib.open(), "");
  std::mutex mu;
  std::condition_variable cv;
  bool used = false, unloaded = false;
  int rc = -1;
  std::thread worker([&] {
    {
      Trainer run(&lib, 3);
      rc = run.step();
    }
    std::unique_lock<std::mutex> lock(mu);
    used = true;
    cv.notify_all();
    cv.wait(lock, [&] { return unloaded; });
  }); // exits after the library is gone
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return used; });
  }
  lib.close();
  EXPECT_EQ(dlopen(lib.path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
  {
    std::lock_guard<std::mutex> lock(mu);
    unloaded = true;
  }
  cv.notify_all();
  worker.join();
  EXPECT_EQ(rc, 0);
  std::remove(lib.path.c_str());
  rmdir(dir.c_str());
}

// pcc writes a new library beside the old one and renames it over it: a
// process that has the old one loaded keeps running the old code and data.
TEST(Neighbours, RecompilingToALoadedPathLeavesTheLoadedLibraryIntact) {
  std::string dir = tempDir();
  ASSERT_FALSE(dir.empty());
  std::string path = dir + "/model.so";
  std::string pcc = PCC_TEST_PCC;
  std::string onnx = PCC_TEST_TINY_ONNX;
  ASSERT_EQ(std::system((pcc + " " + onnx + " -o " + path).c_str()), 0);
  struct stat first;
  ASSERT_EQ(stat(path.c_str(), &first), 0);
  Library lib = fromSource(0, path);
  ASSERT_EQ(lib.open(), "");
  Trainer run(&lib, 4);
  ASSERT_EQ(run.step(), 0);
  std::vector<float> midway = run.result();
  std::string signature = lib.signature();

  // Another library (bp, another prefix, other parameters' meaning) to the
  // same path.
  ASSERT_EQ(std::system((pcc + " " + onnx + " --algorithm=bp --prefix=other -o " +
                         path)
                            .c_str()),
            0);
  struct stat second;
  ASSERT_EQ(stat(path.c_str(), &second), 0);
  EXPECT_NE(first.st_ino, second.st_ino) << "the library was rewritten in place";

  // The loaded library is untouched: same signature, and it goes on
  // training exactly as an undisturbed copy does.
  EXPECT_EQ(std::string(lib.signature()), signature);
  ASSERT_EQ(run.step(), 0) << lib.lastError(run.m);
  EXPECT_TRUE(sameBits(run.result(), alone(0, 4, 2)));
  EXPECT_NE(midway.size(), 0u);
  // The new file is the new library.
  Library fresh = fromSource(0, dir + "/fresh.so");
  fresh.prefix = "other";
  copyFile(path, fresh.path);
  ASSERT_EQ(fresh.open(), "");
  EXPECT_NE(std::string(fresh.signature()).find("\"algorithm\": \"bp\""),
            std::string::npos);
  fresh.close();
  std::remove(fresh.path.c_str());
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

} // namespace
