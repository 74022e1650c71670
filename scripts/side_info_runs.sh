#!/usr/bin/env bash
# The side information in the bursts (issue #15): U-DeepSC's keep masks and DeepBroadcast's encoder
# SNRs and quantizers carried at waveform level, against the same runs at symbol level (same seeds,
# the whole Fashion-MNIST test set). Writes results/phy/side_info/*.json; a run whose JSON exists
# is skipped. Summarise with scripts/side_info_summary.py.
#   scripts/side_info_runs.sh [--build-dir build] [--images 10000] [--seeds "1 2 3"]
#                             [--schemes "udeepsc deepbroadcast"]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
images=10000
seeds="1 2 3"
schemes="udeepsc deepbroadcast"
while [ $# -gt 0 ]; do
    case "$1" in
        --build-dir) build="$2"; shift 2 ;;
        --images) images="$2"; shift 2 ;;
        --seeds) seeds="$2"; shift 2 ;;
        --schemes) schemes="$2"; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "side_info_runs.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
    esac
done
out=results/phy/side_info
mkdir -p "$out"
run() {  # NAME ARGS...
    local name="$1"; shift
    [ -f "$out/$name.json" ] && { echo "done already: $name"; return 0; }
    echo "running $name"
    "$build/apps/semcom" simulate --images "$images" --quiet "$@" --json "$out/$name.json.part"
    mv "$out/$name.json.part" "$out/$name.json"
}
for scheme in $schemes; do
    for s in $seeds; do
        case "$scheme" in
            udeepsc)
                run "udeepsc_symbols_seed$s" --scheme udeepsc --snr 6,6,6 --seed "$s"
                run "udeepsc_waveform_seed$s" --scheme udeepsc --snr 6,6,6 --seed "$s" --waveform ;;
            deepbroadcast)
                run "deepbroadcast_symbols_seed$s" --scheme deepbroadcast --snr 15,10,5 --seed "$s"
                run "deepbroadcast_waveform_seed$s" --scheme deepbroadcast --snr 15,10,5 --seed "$s" --waveform
                run "deepbroadcast_waveform_spreading4_seed$s" --scheme deepbroadcast --snr 15,10,5 --seed "$s" \
                    --waveform --spreading 4 ;;
            *) echo "side_info_runs.sh: unknown scheme '$scheme' (udeepsc, deepbroadcast)" >&2; exit 2 ;;
        esac
    done
done
