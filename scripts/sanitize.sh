#!/usr/bin/env bash
# scripts/sanitize.sh [ctest arguments...]
#
# Builds the compiler, the runtime (and so every library the tests emit),
# the Python module and the tests with AddressSanitizer and
# UndefinedBehaviorSanitizer in $SANITIZE_BUILD_DIR (default build-asan),
# then runs the whole test suite but the zoo under them. Processes that are
# not instrumented (python3, which loads the instrumented module and
# libraries) get the sanitizer runtimes through LD_PRELOAD; the leak
# checker is on for the runtime's GoogleTest programs and off elsewhere
# (python3 and LLVM keep allocations until exit by design).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${SANITIZE_BUILD_DIR:-build-asan}

./scripts/bootstrap.sh deps
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -G Ninja -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPCC_SANITIZE=ON \
  -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py "${launcher[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
cmake --build "$BUILD"
LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
  ctest --test-dir "$BUILD" --output-on-failure -j "$(nproc)" \
  -LE "^(zoo|sanitize-full)$" "$@"
