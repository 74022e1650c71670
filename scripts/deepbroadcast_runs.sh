#!/usr/bin/env bash
# DeepBroadcast (issue #12): the trainings of results/deepbroadcast, resumable. Each line of the
# plan is CONFIG VARIANT SEED [KEY=VALUE]; a run whose weights exist is skipped, an interrupted
# one resumes from its checkpoint. Runs JOBS trainings at once (one torch thread each). Stop it
# with `kill -- -PGID` (the whole group: xargs goes on launching otherwise).
#   scripts/deepbroadcast_runs.sh [--jobs 2] [--plan FILE|extra] [--dry-run]
# The default plan: case C (deepbroadcast, mtoc, mtoc_snr, unicast, e2e), case B (deepbroadcast,
# mtoc, wlca, wgcf) and case A (deepbroadcast e2e, mtoc), seeds 1-3; `--plan extra`:
# the digital variant (deepbroadcast_c16qam) and MTOC at its own size (match_params=false), seeds
# 1-3, the decoder_snr experiment and beta 1e-2 / 0.1 (seed 1). Two runners on one plan use two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=2
plan=""
dry=0
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="$2"; shift 2 ;;
        --plan) plan="$2"; shift 2 ;;
        --dry-run) dry=1; shift ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "deepbroadcast_runs.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
    esac
done
default_plan() {
    for seed in 1 2 3; do
        for v in deepbroadcast mtoc unicast e2e mtoc_snr; do echo "deepbroadcast_c $v $seed"; done
    done
    for seed in 1 2 3; do
        for v in deepbroadcast mtoc wlca wgcf; do echo "deepbroadcast_b $v $seed"; done
    done
    for seed in 1 2 3; do  # case A (each run is ~8 CPU-minutes)
        for v in e2e mtoc; do echo "deepbroadcast_a $v $seed"; done
    done
}
extra_plan() {
    for seed in 1 2 3; do
        echo "deepbroadcast_c16qam deepbroadcast $seed"
        echo "deepbroadcast_c mtoc $seed match_params=false"
    done
    echo "deepbroadcast_c deepbroadcast 1 decoder_snr=true"
    echo "deepbroadcast_c mtoc 1 decoder_snr=true"
    echo "deepbroadcast_c deepbroadcast 1 kl_beta=0.01"
    echo "deepbroadcast_c deepbroadcast 1 kl_beta=0.1"
}
if [ "$plan" = extra ]; then lines=$(extra_plan)
elif [ -n "$plan" ]; then lines=$(grep -v '^#' "$plan")
else lines=$(default_plan); fi
# each line CONFIG VARIANT SEED [KEY=VALUE] as a train_plan.sh line (same run names, locks, logs)
converted=$(mktemp)
trap 'rm -f "$converted"' EXIT
echo "$lines" | awk 'NF >= 3 {printf "%s variant=%s seed=%s", $1, $2, $3; if (NF > 3) printf " %s", $4; print ""}' > "$converted"
if [ "$dry" = 1 ]; then cat "$converted"; exit 0; fi
scripts/train_plan.sh "$converted" --jobs "$jobs"
