#!/usr/bin/env bash
# The GPU check (issue #17): on a machine with an NVIDIA GPU and PyTorch 2.x but no GNU Radio and
# no package registry, build semcom-core and semcom-neural against that PyTorch's LibTorch, run the
# neural tests (on a GPU they compare the CUDA outputs with the CPU's, computed by Python), and
# benchmark every default encoder and decoder of the scheme table (images/s, symbols/s per
# receiver, latency, GPU memory) at batch 1 ... 4096. Writes gpu-check.json and gpu-check.md to OUT.
#
#   scripts/gpu-check.sh --fetch-deps [DIR]     here, on Debian with apt: the build's C++ packages
#                                               into DIR (default .gpu-deps, git-ignored), ~5 MB
#   scripts/gpu-check.sh OUT [options]          there (or here: the CPU path)
#
# Options:
#   --python PY        the Python whose torch to build against (default: SEMCOM_TORCH_PYTHON, else
#                      the first of python3, /usr/bin/python3 that imports torch)
#   --deps DIR         packages from --fetch-deps (default .gpu-deps when it exists; without it the
#                      machine's own Boost, GTest, nlohmann-json, OpenSSL, NLopt and GLPK are used)
#   --build-dir DIR    build there (default OUT/build); an existing build is reused
#   --device DEV       auto (default), cpu, cuda or cuda:N, as `semcom simulate --device`
#   --batches "B ..."  batch sizes (default "1 4 16 64 256 1024 4096")
#   --seconds S        timed seconds per batch size and model (default 0.5)
#   --models "P ..."   model prefixes under models/ (default: the scheme table's, lib/src/scheme.cc)
#   --jobs N           build jobs (default: nproc)
#   --no-tests         skip the neural tests
#
# On the device machine (`device` tool, one call): carry .gpu-deps and run
#   scripts/gpu-check.sh $OUT
# Everything is written under OUT (the build too unless --build-dir), and the exit status is
# non-zero when the build or a test fails or a model cannot be benchmarked.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "gpu-check: $*" >&2; exit 2; }
step() { echo "[gpu-check $(date +%T)] $*"; }

# The Debian packages the core and neural builds need beyond LibTorch: Boost's headers (only the
# ones semcom includes, from the compiler's dependency list: the whole -dev package is 10 MB),
# GoogleTest, nlohmann-json, OpenSSL's libcrypto, NLopt, GLPK (and what GLPK links), pkg-config.
PACKAGES=(libgtest-dev nlohmann-json3-dev libssl-dev libssl3 libnlopt-dev libnlopt0 libnlopt-cxx-dev
          libnlopt-cxx0 libglpk-dev libglpk40 libamd2 libcolamd2 libsuitesparseconfig5 libltdl7
          pkgconf pkgconf-bin libpkgconf3)

fetch_deps() {
  local dir=$1
  command -v apt-get >/dev/null || die "--fetch-deps needs apt-get (run it on the Debian machine)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  step "downloading ${#PACKAGES[@]} Debian packages into $dir"
  (cd "$dir" && rm -f ./*.deb && apt-get download "${PACKAGES[@]}" >/dev/null)
  step "collecting the Boost headers semcom-core and semcom-neural include"
  local sources=(lib/src/*.cc lib/neural/src/*.cc lib/tests/*.cc lib/neural/tests/*.cc)
  local torch_inc
  torch_inc=$(/usr/bin/python3 -c 'import torch.utils.cpp_extension as c; print(" ".join("-I" + p for p in c.include_paths()))' 2>/dev/null || true)
  local deps
  deps=$(for f in "${sources[@]}"; do
           g++ -std=c++17 -M -Ilib/include -Ilib/neural/include -I/usr/include/nlohmann $torch_inc \
               -DSEMCOM_TEST_MODELS='""' "$f" 2>/dev/null || true
         done | tr ' \\' '\n\n' | grep '^/usr/include/boost/' | sort -u)
  [ -n "$deps" ] || die "no Boost header found in the dependency lists (is libboost-dev installed?)"
  local cmake_dirs
  cmake_dirs=$(cd / && ls -d usr/lib/x86_64-linux-gnu/cmake/Boost-* usr/lib/x86_64-linux-gnu/cmake/boost_headers-* \
               usr/lib/x86_64-linux-gnu/cmake/BoostDetectToolset-*.cmake 2>/dev/null || true)
  # boost/config whole: which of its headers apply depends on the compiler and library there
  # shellcheck disable=SC2086
  (cd / && printf '%s\n' $deps | sed 's#^/##' | tar -cJf "$dir/boost-headers.tar.xz" -T - usr/include/boost/config $cmake_dirs)
  step "wrote $(ls "$dir" | wc -l) files, $(du -sh "$dir" | cut -f1): carry $dir to the device machine"
}

OUT="" PY="${SEMCOM_TORCH_PYTHON:-}" DEPS="" BUILD="" DEVICE=auto BATCHES="1 4 16 64 256 1024 4096"
SECONDS_PER=0.5 MODELS="" JOBS=$(nproc) TESTS=1
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --fetch-deps) fetch_deps "${2:-.gpu-deps}"; exit 0 ;;
  ""|-*) usage >&2; exit 2 ;;
esac
OUT=$1; shift
while [ $# -gt 0 ]; do
  case "$1" in
    --python) PY=$2; shift 2 ;;
    --deps) DEPS=$2; shift 2 ;;
    --build-dir) BUILD=$2; shift 2 ;;
    --device) DEVICE=$2; shift 2 ;;
    --batches) BATCHES=$2; shift 2 ;;
    --seconds) SECONDS_PER=$2; shift 2 ;;
    --models) MODELS=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --no-tests) TESTS=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done
for b in $BATCHES; do [[ $b =~ ^[1-9][0-9]*$ ]] || die "--batches: '$b' is not a positive integer"; done
[[ $SECONDS_PER =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--seconds: '$SECONDS_PER' is not a number of seconds"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs: '$JOBS' is not a positive integer"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BUILD=${BUILD:-$OUT/build}
T0=$(date +%s)

# --- the Python with torch, and its LibTorch ---------------------------------------------------
if [ -z "$PY" ]; then
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then PY=$(command -v "$p"); break; fi
  done
fi
[ -n "$PY" ] || die "no Python that imports torch (give --python)"
"$PY" -c 'import torch' 2>/dev/null || die "$PY cannot import torch"
read -r TORCH_VERSION TORCH_PREFIX CUDA_OK GPU_NAME < <("$PY" -c '
import torch
name = torch.cuda.get_device_name(0).replace(" ", "_") if torch.cuda.is_available() else "none"
print(torch.__version__, torch.utils.cmake_prefix_path, int(torch.cuda.is_available()), name)')
step "torch $TORCH_VERSION from $PY; CUDA available: $CUDA_OK ($GPU_NAME)"
if [ "$DEVICE" != cpu ] && [ "$DEVICE" != auto ] && [ "$CUDA_OK" = 0 ]; then
  die "--device $DEVICE: this PyTorch sees no CUDA device"
fi

# --- the C++ packages --------------------------------------------------------------------------
[ -n "$DEPS" ] || { [ -d .gpu-deps ] && DEPS=.gpu-deps; } || true
PREFIX_PATH="$TORCH_PREFIX"
CMAKE_EXTRA=()
if [ -n "$DEPS" ]; then
  [ -d "$DEPS" ] || die "--deps $DEPS: no such folder (make it with --fetch-deps)"
  P=$OUT/deps
  step "unpacking $(ls "$DEPS"/*.deb | wc -l) packages and the Boost headers into $P"
  mkdir -p "$P"
  for f in "$DEPS"/*.deb; do dpkg-deb -x "$f" "$P"; done
  [ -f "$DEPS/boost-headers.tar.xz" ] && tar -xJf "$DEPS/boost-headers.tar.xz" -C "$P"
  LIBDIR=$P/usr/lib/x86_64-linux-gnu
  export LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export PKG_CONFIG_PATH=$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$P
  PREFIX_PATH="$PREFIX_PATH;$P/usr"
  CMAKE_EXTRA+=(-DPKG_CONFIG_EXECUTABLE="$P/usr/bin/pkgconf" -DOPENSSL_ROOT_DIR="$P/usr"
                -DBoost_DIR="$(ls -d "$LIBDIR"/cmake/Boost-* 2>/dev/null | head -1)")
fi

# --- build -------------------------------------------------------------------------------------
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  step "configuring semcom-core and semcom-neural in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DSEMCOM_CORE_ONLY=ON \
    -DCMAKE_PREFIX_PATH="$PREFIX_PATH" -DSEMCOM_TORCH_PYTHON="$PY" "${CMAKE_EXTRA[@]}" >"$OUT/configure.log" 2>&1 \
    || { tail -30 "$OUT/configure.log" >&2; die "configure failed (log: $OUT/configure.log)"; }
  grep -q "semcom-neural: LibTorch" "$OUT/configure.log" \
    || { grep "semcom-neural" "$OUT/configure.log" >&2 || true; die "semcom-neural is not configured (log: $OUT/configure.log)"; }
fi
step "building semcom-neural, its tests and its benchmark ($JOBS jobs)"
TB=$(date +%s)
cmake --build "$BUILD" --target semcom-neural-tests semcom-neural-bench -j "$JOBS" >"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log" >&2; die "build failed (log: $OUT/build.log)"; }
BUILD_S=$(( $(date +%s) - TB ))
BENCH=$(find "$BUILD" -name semcom-neural-bench -type f -perm -u+x | head -1)
[ -x "$BENCH" ] || die "no semcom-neural-bench in $BUILD"

# --- tests -------------------------------------------------------------------------------------
TESTS_PASSED=0 TESTS_FAILED=0
if [ "$TESTS" = 1 ]; then
  step "neural tests (ctest -L neural)"
  set +e
  (cd "$BUILD" && ctest -L neural -j "$JOBS" --output-on-failure >"$OUT/tests.log" 2>&1)
  rc=$?
  set -e
  summary=$(grep -E "tests passed, [0-9]+ tests failed out of" "$OUT/tests.log" || true)
  TESTS_FAILED=$(sed -E 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")
  [ -n "$summary" ] || { TESTS_FAILED=1; total=0; }
  TESTS_PASSED=$(( total - TESTS_FAILED ))
  step "tests: $TESTS_PASSED passed, $TESTS_FAILED failed (log: $OUT/tests.log)"
  [ "$rc" = 0 ] || grep -A3 "FAILED\|Failed" "$OUT/tests.log" | head -20 >&2 || true
fi

# --- benchmark ---------------------------------------------------------------------------------
if [ -z "$MODELS" ]; then
  MODELS=$(grep -o '"models/[a-z0-9_]*"' lib/src/scheme.cc | tr -d '"' | sed 's#^models/##' | tr '\n' ' ')
fi
JSONL=$OUT/bench.jsonl
: >"$JSONL"
BENCH_FAILED=0
smi() { command -v nvidia-smi >/dev/null && [ "$CUDA_OK" = 1 ]; }
for prefix in $MODELS; do
  [[ $prefix =~ ^[A-Za-z0-9_]+$ ]] || die "--models: '$prefix' is not a model prefix"
  files=$(ls models/"${prefix}"_encoder.json models/"${prefix}"_rx*.json models/"${prefix}"_classifier.json 2>/dev/null || true)
  [ -n "$files" ] || { echo "gpu-check: no models/${prefix}_*.json (skipped, counted as a failure)" >&2; BENCH_FAILED=$((BENCH_FAILED + 1)); continue; }
  for json in $files; do
    step "benchmarking $json on $DEVICE at batch $BATCHES"
    peak_file=$OUT/.peak
    : >"$peak_file"
    if smi; then
      nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 >"$peak_file" 2>/dev/null &
      smi_pid=$!
    fi
    # shellcheck disable=SC2086
    if ! rows=$("$BENCH" "$json" "$DEVICE" $BATCHES --seconds "$SECONDS_PER" 2>"$OUT/bench.err"); then
      cat "$OUT/bench.err" >&2
      BENCH_FAILED=$((BENCH_FAILED + 1))
      rows=""
    fi
    if smi; then kill "$smi_pid" 2>/dev/null || true; wait "$smi_pid" 2>/dev/null || true; fi
    peak=$(sort -n "$peak_file" | tail -1)
    while IFS= read -r row; do
      [ -n "$row" ] && echo "{\"model\": \"$json\", \"gpu_memory_used_mib\": ${peak:-null}, \"run\": $row}" >>"$JSONL"
    done <<<"$rows"
  done
done
rm -f "$OUT/.peak"

# --- report ------------------------------------------------------------------------------------
"$PY" - "$OUT" "$JSONL" "$TORCH_VERSION" "$GPU_NAME" "$DEVICE" "$BUILD_S" "$TESTS_PASSED" "$TESTS_FAILED" \
      "$BENCH_FAILED" "$(( $(date +%s) - T0 ))" <<'EOF'
import json, os, platform, sys
out, jsonl, torch_version, gpu, device, build_s, passed, failed, bench_failed, total_s = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
sys.path.insert(0, "python")
try:
    from semcom_train import flops
except Exception as e:  # the report still comes, without the arithmetic
    print(f"gpu-check: no FLOP counts ({e})", file=sys.stderr)
    flops = None
mflop = {}
rows = []
for line in open(jsonl):
    r = json.loads(line)
    man = json.load(open(r["model"]))
    if flops is not None and r["model"] not in mflop:
        try:
            mflop[r["model"]] = flops.per_image(r["model"])[0] / 1e6
        except Exception as e:
            print(f"gpu-check: {r['model']}: no FLOP count ({e})", file=sys.stderr)
            mflop[r["model"]] = None
    mf = mflop.get(r["model"])
    n = man.get("channel_uses") or 0
    run = r["run"]
    rows.append({"model": os.path.basename(r["model"])[:-5], "role": man.get("role"), "device": run["device"],
                 "batch": run["batch"], "images_per_s": run["items_per_s"], "latency_ms": run["latency_ms"],
                 # what one receiver's decoder (or the encoder) keeps up with: images/s x channel uses
                 "msym_per_s": run["items_per_s"] * n / 1e6 if n else None, "channel_uses": n,
                 "mflop_per_item": mf, "gflop_per_s": run["items_per_s"] * mf / 1e3 if mf else None,
                 "gpu_memory_used_mib": r["gpu_memory_used_mib"]})
report = {"torch": torch_version, "gpu": gpu.replace("_", " "), "cpu": cpu, "cores": os.cpu_count(),
          "device": device, "build_s": int(build_s), "tests_passed": int(passed), "tests_failed": int(failed),
          "models_failed": int(bench_failed), "total_s": int(total_s), "rows": rows}
json.dump(report, open(os.path.join(out, "gpu-check.json"), "w"), indent=1)
lines = [f"# semcom-neural on {report['gpu'] if report['gpu'] != 'none' else 'the CPU'}", "",
         f"torch {torch_version}; CPU {cpu} ({os.cpu_count()} cores); device {device}; build {build_s} s; "
         f"neural tests {passed} passed, {failed} failed; whole check {total_s} s.", "",
         "Images/s and latency: `semcom-neural-bench` (the C++ runtime, host tensors in and out, the "
         "median of the timed runs). Msym/s: images/s x the model's channel uses, the symbol rate one "
         "receiver's decoder (or the encoder) keeps up with. MFLOP/image: `semcom_train.flops` "
         "(convolutions and matrix products at the ATen dispatcher). GPU memory: the device's peak "
         "`nvidia-smi` reading while the model ran (the whole device).", "",
         "| model | device | batch | images/s | Msym/s | latency (ms) | MFLOP/image | GFLOP/s | GPU memory (MiB) |",
         "|---|---|---|---|---|---|---|---|---|"]
fmt = lambda v, spec: "—" if v is None else format(v, spec)  # noqa: E731
for r in rows:
    lines.append(f"| {r['model']} | {r['device']} | {r['batch']} | {r['images_per_s']:.0f} | "
                 f"{fmt(r['msym_per_s'], '.2f')} | {r['latency_ms']:.3f} | {fmt(r['mflop_per_item'], '.2f')} | "
                 f"{fmt(r['gflop_per_s'], '.1f')} | {fmt(r['gpu_memory_used_mib'], 'd')} |")
open(os.path.join(out, "gpu-check.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines[-len(rows) - 2:]) if rows else "no benchmark rows")
EOF
step "wrote $OUT/gpu-check.json and $OUT/gpu-check.md in $(( $(date +%s) - T0 )) s"
[ "$TESTS_FAILED" = 0 ] && [ "$BENCH_FAILED" = 0 ] || die "$TESTS_FAILED test(s) and $BENCH_FAILED model(s) failed"
