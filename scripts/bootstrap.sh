#!/usr/bin/env bash
# scripts/bootstrap.sh main|test|deps|build
#
# Sets up everything pcc needs on a Debian bookworm machine (apt packages,
# configure, build) and then:
#   main  compiles the bundled 784-256-256-10 MLP twice (il and bp) and trains
#         both on Fashion-MNIST for one epoch, printing test accuracy
#   test  runs every test (lit/FileCheck, GoogleTest ABI, PyTorch gradients)
#   deps  only installs the packages;  build  only configures and builds
# Environment: BUILD_DIR (default build), EPOCHS (main, default 1),
# EXTRA_PACKAGES (more Debian packages for deps).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

PACKAGES=(
  cmake ninja-build ccache g++ pkg-config
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  libonnx-dev libprotobuf-dev protobuf-compiler libgtest-dev zlib1g-dev
  python3-torch python3-torchvision python3-onnx python3-numpy libopenblas0-pthread
  dataset-fashion-mnist libonnx-testdata
  pybind11-dev python3-dev python3-pytest python3-matplotlib python3-tqdm liblld-19-dev
)

deps() {
  local missing=()
  # EXTRA_PACKAGES: more to install (scripts/fuzz.sh: the clang toolchain).
  for p in "${PACKAGES[@]}" ${EXTRA_PACKAGES:-}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "bootstrap: installing ${missing[*]}"
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
}

build() {
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py "${launcher[@]}"
  cmake --build "$BUILD_DIR"
}

case "${1:-}" in
  deps) deps ;;
  build) deps; build ;;
  main) deps; build; "$BUILD_DIR"/examples/fashion_mnist_train --epochs "${EPOCHS:-1}" ;;
  test) deps; build; ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" -LE "^(zoo|sanitize-full)$" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
