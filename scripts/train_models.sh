#!/usr/bin/env bash
# Trains, exports (to models/) and evaluates (to results/) every shipped family and the baselines of
# results/README.md, in order (the mlp configs deepscm, cm_joint, ... by name: models/README.md).
# The decoder bank of deepscm_conv comes from scripts/finetune_decoders.py (models/README.md);
# models/mijscc_conv_q8 is mijscc_conv_analog exported with mijscc_conv_q8.yaml (models/README.md).
# Resumable: each run continues from its checkpoint (SEMCOM_CHECKPOINTS, default checkpoints/).
#
#   scripts/train_models.sh [--threads N] [CONFIG_NAME ...]     (default: all, in the order below)
#
# Full training runs on the CPU for hours; CI only runs the smoke training of the test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads=$(nproc)
if [ "${1:-}" = "--threads" ]; then threads=$2; shift 2; fi
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(deepscm_conv cm_joint_conv cm_rx1_conv cm_rx2_conv mijscc_conv_analog mijscc_analog mijscc_q8 mijscc_q4 amijscc deepscm_k3)
export PYTHONPATH=python OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
py=/usr/bin/python3
for c in "${configs[@]}"; do
  cfg=python/configs/$c.yaml
  [ -f "$cfg" ] || { echo "train_models.sh: no config $cfg" >&2; exit 2; }
  echo "== $c: train"
  $py -m semcom_train train --config "$cfg" --threads "$threads"
  echo "== $c: export"
  $py -m semcom_train export --config "$cfg" --threads "$threads"
  echo "== $c: evaluate"
  $py -m semcom_train evaluate --config "$cfg" --threads "$threads" --images 2000
done
