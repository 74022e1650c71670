#!/usr/bin/env bash
# Builds the frame-parser fuzz target with clang's libFuzzer (+ AddressSanitizer, UBSan) and runs
# it for a bounded time on the corpus in fuzz/corpus/frame (new findings are added there).
#
#   scripts/fuzz.sh [SECONDS=60]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
out="${BUILD_DIR:-build}/fuzz"
mkdir -p "$out"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Ilib/include fuzz/fuzz_frame.cc lib/src/frame.cc lib/src/convolutional.cc lib/src/equaliser.cc lib/src/constellation.cc \
  lib/src/scheme.cc lib/src/channel.cc lib/src/gaussian.cc \
  -o "$out/fuzz_frame"
work="$out/corpus"
mkdir -p "$work"
cp -n fuzz/corpus/frame/* "$work/" 2>/dev/null || true
echo "fuzz.sh: running fuzz_frame for ${seconds} s"
"$out/fuzz_frame" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 "$work" fuzz/corpus/frame 2>&1 | tail -n 12
