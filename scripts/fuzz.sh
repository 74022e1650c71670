#!/usr/bin/env bash
# Builds the libFuzzer targets of every parser (clang, + AddressSanitizer and UBSan) into
# BUILD_DIR/fuzz and runs each on its committed seed corpus fuzz/corpus/NAME (new inputs that find
# new code go to BUILD_DIR/fuzz/corpus/NAME; the committed seeds are only read). docs/fuzzing.md
# lists the targets and the counts of the last long runs.
#
#   scripts/fuzz.sh [SECONDS]          all targets, SECONDS in all (default 60), split evenly
#   scripts/fuzz.sh --runs N           each target for N executions (e.g. 1000000)
#   scripts/fuzz.sh --time S           each target for S seconds
#   scripts/fuzz.sh --target NAME ...  only these targets (repeatable; --list names them)
#   scripts/fuzz.sh --build-only       build, run nothing
#
# Prints, per target, the executions done and any finding (the crashing input is written to
# BUILD_DIR/fuzz/findings/NAME-crash-...; replay it with BUILD_DIR/fuzz/fuzz_NAME FILE). Exits 1 when
# a target found a crash, a leak, a timeout (10 s per input) or an out-of-memory, 2 when it cannot
# build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

all_targets=(frame idx cifar png jpeg manifest profile side_info snr_message stream_message)

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

total=60 runs="" each="" build_only=0 targets=()
while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --list) printf '%s\n' "${all_targets[@]}"; exit 0 ;;
    --runs) runs="${2:?--runs N}"; shift 2 ;;
    --time) each="${2:?--time SECONDS}"; shift 2 ;;
    --target) targets+=("${2:?--target NAME}"); shift 2 ;;
    --build-only) build_only=1; shift ;;
    [0-9]*) total="$1"; shift ;;
    *) echo "fuzz.sh: unknown argument '$1' (scripts/fuzz.sh --help)" >&2; exit 2 ;;
  esac
done
for v in "$total" "${runs:-1}" "${each:-1}"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: '$v' is not a positive whole number" >&2; exit 2; }
done
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: no target '$t' (--list)" >&2; exit 2; }
done

out="${BUILD_DIR:-build}/fuzz"
mkdir -p "$out/findings" "$out/logs"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

# What each target compiles (beside fuzz/fuzz_NAME.cc) and links, and its longest input.
core="lib/src/constellation.cc lib/src/scheme.cc lib/src/channel.cc lib/src/gaussian.cc"
declare -A sources libs max_len
sources[frame]="lib/src/frame.cc lib/src/waveform.cc lib/src/convolutional.cc lib/src/equaliser.cc $core"
sources[idx]="lib/src/images.cc";   libs[idx]="-lz -lpng"
sources[cifar]="lib/src/images.cc"; libs[cifar]="-lz -lpng"; max_len[cifar]=12400
sources[png]="lib/src/images.cc";   libs[png]="-lz -lpng"
sources[jpeg]="lib/src/jpeg_codec.cc"; libs[jpeg]="-ljpeg"
sources[manifest]="lib/neural/src/manifest.cc $core"; libs[manifest]="-lcrypto"
sources[profile]="lib/hardware/src/profile.cc"; libs[profile]="-lyaml-cpp"
sources[side_info]="gr-semcom/lib/message_parsers.cc lib/src/quantizer.cc lib/src/snr_feedback.cc"
libs[side_info]="-lgnuradio-pmt"
sources[snr_message]="${sources[side_info]}"; libs[snr_message]="-lgnuradio-pmt"
sources[stream_message]="${sources[side_info]}"; libs[stream_message]="-lgnuradio-pmt"
includes="-Ilib/include -Ilib/neural/include -Ilib/hardware/include -Igr-semcom/include -Igr-semcom/lib -Ifuzz"

build() {
  local t="$1" bin="$out/fuzz_$1"
  # rebuilt when it is missing or any of its sources or the headers are newer
  if [[ -x "$bin" ]] && [[ -z "$(find fuzz/fuzz_"$t".cc fuzz/*.h ${sources[$t]} lib/include lib/neural/include \
        lib/hardware/include gr-semcom/lib/message_parsers.h -newer "$bin" 2>/dev/null | head -n 1)" ]]; then
    return 0
  fi
  echo "fuzz.sh: building fuzz_$t"
  # shellcheck disable=SC2086
  nice clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    $includes "fuzz/fuzz_$t.cc" ${sources[$t]} ${libs[$t]:-} -o "$bin.tmp" && mv "$bin.tmp" "$bin"
}

for t in "${targets[@]}"; do
  build "$t" || { echo "fuzz.sh: fuzz_$t does not build" >&2; exit 2; }
done
((build_only)) && exit 0

if [[ -n "$runs" ]]; then
  limit=(-runs="$runs") how="$runs executions each"
else
  [[ -n "$each" ]] || each=$(( total / ${#targets[@]} > 0 ? total / ${#targets[@]} : 1 ))
  limit=(-max_total_time="$each") how="$each s each"
fi
echo "fuzz.sh: ${#targets[@]} targets, $how"
failed=0
for t in "${targets[@]}"; do
  work="$out/corpus/$t" log="$out/logs/$t.log"
  mkdir -p "$work"
  start=$(date +%s)
  set +e
  "$out/fuzz_$t" "${limit[@]}" -max_len="${max_len[$t]:-8192}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/findings/$t-" "$work" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  line=$(printf '%-12s %12s executions in %4d s, corpus %d' "$t" "${execs:-?}" $(( $(date +%s) - start )) \
    "$(find "$work" -type f | wc -l)")
  if ((rc == 0)); then
    echo "$line: no finding"
  else
    failed=1
    echo "$line: FINDING (exit $rc; log $log)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|fuzz: |artifact_prefix|Test unit written)' "$log" \
      | head -n 6 | sed 's/^/    /'
  fi
done
exit "$failed"
