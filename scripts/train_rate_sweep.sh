#!/usr/bin/env bash
# The rate sweep of issue #3: DeepSCM and the joint CM baseline trained and evaluated at
# n in {32, 64, 196, 128} channel uses per image, written to results/NAME_nN.csv (n = 128 as
# NAME_n128, trained like the others; the shipped n = 128 models are NAME). Models stay in the
# checkpoints (SEMCOM_CHECKPOINTS); resumable.
#
#   scripts/train_rate_sweep.sh [--threads N] [--epochs-scale S] [N ...]   (default: 64 32 196 128)
#
# --epochs-scale 0.5 halves every stage (the sweep shipped in results/ was run so, for lack of CPU).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=$(nproc)
scale=1
if [ "${1:-}" = "--threads" ]; then threads=$2; shift 2; fi
if [ "${1:-}" = "--epochs-scale" ]; then scale=$2; shift 2; fi
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(64 32 196 128)
export PYTHONPATH=python OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
py=/usr/bin/python3
for n in "${rates[@]}"; do
  for c in deepscm cm_joint; do
    echo "== $c at n = $n: train"
    $py -m semcom_train train --config "python/configs/$c.yaml" --set "channel_uses=$n" --threads "$threads" --epochs-scale "$scale"
    echo "== $c at n = $n: evaluate"
    $py -m semcom_train evaluate --config "python/configs/$c.yaml" --set "channel_uses=$n" --threads "$threads" --images 2000
  done
done
