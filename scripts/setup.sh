#!/usr/bin/env bash
# gr-semcom set-up: installs what is missing, builds, and runs one job.
#
#   scripts/setup.sh run     install, build, run the main job (semantic broadcast simulation)
#   scripts/setup.sh test    install, build, run every test (what CI runs)
#   scripts/setup.sh bench   install, build, run the benchmarks against the GNU Radio peers
#   scripts/setup.sh deps    only install the Debian packages
#   scripts/setup.sh build   install and build
#
# Environment: BUILD_DIR (default build), JOBS (default: all cores),
# CMAKE_ARGS (extra CMake arguments, e.g. -DTorch_DIR=... for a CUDA LibTorch).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"
PYTHON=/usr/bin/python3 # Debian's Python: the one with GNU Radio and torch

# Everything the project needs, from Debian 12.
PACKAGES=(
  build-essential cmake pkg-config git
  gnuradio gnuradio-dev libvolk2-dev libuhd-dev uhd-host libyaml-cpp-dev libzmq3-dev
  libtorch-dev python3-torch python3-torchvision libopenblas0-pthread
  libboost-all-dev libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-pybind11 nlohmann-json3-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev
  libnlopt-cxx-dev libglpk-dev
  clang libclang-rt-14-dev
  dataset-fashion-mnist python3-numpy python3-scipy python3-matplotlib python3-tqdm python3-yaml python3-pil python3-pytest python3-zmq
  xvfb xauth
)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#PACKAGES[@]} Debian packages present"
    return
  fi
  log "installing ${#missing[@]} Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  log "configuring $BUILD_DIR with $PYTHON"
  # shellcheck disable=SC2086
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DPYTHON_EXECUTABLE="$PYTHON" ${CMAKE_ARGS:-} >/dev/null
  log "building with $JOBS jobs"
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

run_main() {
  log "main job: semantic broadcast of 1000 Fashion-MNIST images to two receivers (build/apps/semcom simulate --help)"
  "$BUILD_DIR/apps/semcom" simulate "$@"
  log "and the DSP behind it: per-layer symbol error rates against theory (build/apps/semcom loopback --help)"
  "$BUILD_DIR/apps/semcom" loopback --quiet
}

run_tests() {
  log "running the test suite"
  (cd "$BUILD_DIR" && ctest --output-on-failure -j "$JOBS" --timeout 900)
  # semcom-core alone, as on a GPU machine without GNU Radio, with sanitizers on.
  log "semcom-core alone (SEMCOM_CORE_ONLY) with address and undefined-behaviour sanitizers"
  cmake -S . -B "$BUILD_DIR-core-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSEMCOM_CORE_ONLY=ON \
    -DSEMCOM_SANITIZE=address,undefined -DSEMCOM_ENABLE_BENCH=OFF >/dev/null
  cmake --build "$BUILD_DIR-core-asan" -j "$JOBS" --target semcom-core-tests
  (cd "$BUILD_DIR-core-asan" && UBSAN_OPTIONS=halt_on_error=1 ctest -L core --output-on-failure -j "$JOBS")
  log "fuzzing every parser, 40 s in all: 4 s for each of 10 targets (scripts/fuzz.sh, docs/fuzzing.md)"
  BUILD_DIR="$BUILD_DIR" scripts/fuzz.sh 40
}

run_bench() {
  log "benchmarks: semcom-core and the GNU Radio peers, same run"
  "$PYTHON" scripts/bench_dsp.py --build-dir "$BUILD_DIR" "$@"
  # the default models through the C++ runtime beside Python, with their arithmetic per image
  for name in deepscm_conv mijscc_conv_q8; do
    log "benchmarks: $name through semcom-neural, TorchScript and eager PyTorch, same run"
    PYTHONPATH=python "$PYTHON" scripts/bench_neural.py --build-dir "$BUILD_DIR" --name "$name"
  done
}

cmd="${1:-run}"
[ $# -gt 0 ] && shift
case "$cmd" in
  deps) install_deps ;;
  build) install_deps; build ;;
  run) install_deps; build; run_main "$@" ;;
  test) install_deps; build; run_tests ;;
  bench) install_deps; build; run_bench "$@" ;;
  -h|--help|help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "setup.sh: unknown command '$cmd' (run, test, bench, deps, build, help)" >&2; exit 2 ;;
esac
