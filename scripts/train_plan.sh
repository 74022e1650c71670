#!/usr/bin/env bash
# Trainings of a plan, resumable and shareable between runners: each line of the plan is
# `CONFIG [KEY=VALUE ...]` (CONFIG a file of python/configs without .yaml; KEY=VALUE as --set).
# A run whose weights exist is skipped, an interrupted one resumes from its checkpoint, one that
# another runner holds (a lock under checkpoints/locks) is left to it. JOBS trainings at once,
# one torch thread each. Stop it with `kill -- -PGID` (xargs goes on launching otherwise).
#   scripts/train_plan.sh PLAN_FILE [--jobs N] [--dry-run]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=1
dry=0
plan=""
while [ $# -gt 0 ]; do
    case "$1" in
        --jobs) jobs="$2"; shift 2 ;;
        --dry-run) dry=1; shift ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "train_plan.sh: unknown option '$1' (--help)" >&2; exit 2 ;;
        *) plan="$1"; shift ;;
    esac
done
[ -n "$plan" ] || { echo "train_plan.sh: no plan file (--help)" >&2; exit 2; }
[ -f "$plan" ] || { echo "train_plan.sh: plan '$plan' not found" >&2; exit 2; }
lines=$(grep -v '^[[:space:]]*\(#\|$\)' "$plan" || true)
mkdir -p checkpoints/logs checkpoints/locks
run_one() {
    local config="$1"; shift
    local sets=() name
    for kv in "$@"; do sets+=(--set "$kv"); done
    # the run's name as semcom_train names it (config name + each KEY=VALUE)
    name=$(PYTHONPATH=python /usr/bin/python3 -c 'import sys; from semcom_train import config; print(config.load(sys.argv[1], sys.argv[2:]).name)' \
        "python/configs/$config.yaml" "$@") || { echo "FAILED: $config $* (the config does not load)"; return 1; }
    if [ -f "checkpoints/$name/weights.pt" ]; then echo "done already: $name"; return 0; fi
    if ! mkdir "checkpoints/locks/$name" 2>/dev/null; then echo "in progress elsewhere: $name"; return 0; fi
    trap 'rmdir "checkpoints/locks/$name" 2>/dev/null' RETURN
    echo "training $name"
    PYTHONPATH=python OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice /usr/bin/python3 -m semcom_train train \
        --config "python/configs/$config.yaml" "${sets[@]}" --threads 1 \
        > "checkpoints/logs/$name.log" 2>&1 || { echo "FAILED: $name (checkpoints/logs/$name.log)"; return 1; }
    echo "finished $name"
}
export -f run_one
if [ "$dry" = 1 ]; then echo "$lines"; exit 0; fi
[ -n "$lines" ] || { echo "train_plan.sh: '$plan' lists no runs"; exit 0; }
echo "$lines" | xargs -P "$jobs" -L 1 bash -c 'run_one "$@"' _
