#!/usr/bin/env bash
# ASC runs (issue #14): train, then importance / eta / fits (`semcom_train.asc analyse`), per
# CONFIG[:SEED] argument, one after the other on one thread each. Results in results/asc/NAME_*;
# checkpoints in $SEMCOM_CHECKPOINTS (default checkpoints/, git-ignored).
#   scripts/train_asc.sh asc asc:2 asc:3 asc_dropout asc_dropout:2 asc_dropout:3
#   scripts/train_asc.sh asc:1:kappa=0      (an override: the run is named asc_kappa0)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PYTHONPATH=python OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
for spec in "$@"; do
  IFS=: read -r cfg seed extra <<<"$spec"
  set_args=()
  if [ -n "${seed:-}" ] && [ "$seed" != 1 ]; then set_args+=(--set "seed=$seed"); fi
  if [ -n "${extra:-}" ]; then set_args+=(--set "$extra"); fi
  echo "[train_asc] $cfg ${set_args[*]:-}" >&2
  nice /usr/bin/python3 -m semcom_train train --config "python/configs/$cfg.yaml" "${set_args[@]}" --threads 1
  nice /usr/bin/python3 -m semcom_train.asc analyse --config "python/configs/$cfg.yaml" "${set_args[@]}" --threads 1
done
