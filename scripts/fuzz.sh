#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# Builds the ONNX-importer fuzz target with clang, libFuzzer, ASan and UBSan
# (in $FUZZ_BUILD_DIR, default build-fuzz) and runs it for SECONDS (default
# 600) over a working corpus seeded from test/fuzz/corpus. Crashes, leaks,
# hangs and out-of-memory inputs are written to $FUZZ_BUILD_DIR/artifacts/;
# copy each into test/fuzz/regressions/ once it is fixed (ctest
# fuzz-regressions replays them). Installs clang-19 and libclang-rt-19-dev
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
TIME=${1:-600}
shift || true

EXTRA_PACKAGES="clang-19 libclang-rt-19-dev" ./scripts/bootstrap.sh deps

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -G Ninja -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DPCC_FUZZ=ON \
  -DPCC_BUILD_EXAMPLES=OFF \
  -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py "${launcher[@]}"
cmake --build "$BUILD" --target pcc-import-fuzzer

mkdir -p "$BUILD/corpus" "$BUILD/artifacts"
# The leak checker sees MLIR's context-lifetime allocations as leaks only if
# the process exits without freeing them; libFuzzer checks per input.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  "$BUILD/bin/pcc-import-fuzzer" -max_total_time="$TIME" -timeout=30 \
  -rss_limit_mb=3072 -print_final_stats=1 \
  -artifact_prefix="$BUILD/artifacts/" "$@" "$BUILD/corpus" test/fuzz/corpus
