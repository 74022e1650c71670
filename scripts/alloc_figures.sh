#!/usr/bin/env bash
# The ASC paper's scheduler figures (Figs. 4-11) as sweeps of `semcom alloc` on the paper-like
# scenario (examples/alloc_paper.json: 10 users dropped in a 50-500 m cell, d0 = 200 704 bit,
# t0 = 10 ms, η of the paper's Table IV, ResNet 0 dB): CSV + PNG under results/alloc/.
#
#   scripts/alloc_figures.sh [BUILD_DIR] [DROPS]      (defaults: build, 10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
drops="${2:-10}"
semcom="$build/apps/semcom"
config="$here/examples/alloc_paper.json"
out="$here/results/alloc"
plot() { /usr/bin/python3 "$here/scripts/plot_alloc.py" "$@"; }
[ -x "$semcom" ] || { echo "alloc_figures.sh: no $semcom (scripts/setup.sh build)" >&2; exit 1; }
mkdir -p "$out"
sweep() { # NAME ARGS...: one CSV
  local name="$1"; shift
  echo "[alloc] $name" >&2
  "$semcom" alloc --config "$config" --drops "$drops" --csv "$out/$name.csv" --quiet "$@"
}
# Figs. 4-5: success against a fixed compression ratio (FCR at each o), several P_max / B_max
sweep fig4_ratio_power --sweep ratio=0.05:0.99:0.02 --curves power=1e-3,1e-2,1e-1,1
sweep fig5_ratio_bandwidth --sweep ratio=0.05:0.99:0.02 --curves bandwidth=5e6,10e6,20e6
# Figs. 6-7: success against B_max at P_max = 1 mW and 1 W
sweep fig6_7_bandwidth --algorithm crra,fcr,fra,msr --sweep bandwidth=1e6:30e6:x8 --curves power=1e-3,1
# Fig. 8: success against P_max (B_max 20 MHz)
sweep fig8_power --algorithm crra,fcr,fra,msr --sweep power=1e-3:1:x7
# Fig. 9: total success against the number of users, at a tight setting (B_max 20 MHz, P_max 10 mW)
sweep fig9_users --algorithm crra,fcr,fra,msr --sweep users=2:12:2 --curves power=1e-2
# Figs. 10-11: weighted success (service levels 0.2 .. 0.8) against B_max and P_max
sweep fig10_weighted_bandwidth --algorithm crraus,crra-weighted,fcr,fra --sweep bandwidth=1e6:30e6:x8 --curves power=1e-3
sweep fig11_weighted_power --algorithm crraus,crra-weighted,fcr,fra --sweep power=1e-3:1:x7
plot "$out/fig4_ratio_power.csv" --out "$out/fig4_ratio_power.png" --title "success vs fixed ratio (B_max 20 MHz)"
plot "$out/fig5_ratio_bandwidth.csv" --out "$out/fig5_ratio_bandwidth.png" --title "success vs fixed ratio (P_max 1 W)"
plot "$out/fig6_7_bandwidth.csv" --out "$out/fig6_7_bandwidth.png" --title "success vs bandwidth"
plot "$out/fig8_power.csv" --out "$out/fig8_power.png" --title "success vs power (B_max 20 MHz)"
plot "$out/fig9_users.csv" --metric total --out "$out/fig9_users.png" --title "total success vs users (20 MHz, 10 mW)"
plot "$out/fig10_weighted_bandwidth.csv" --metric weighted --out "$out/fig10_weighted_bandwidth.png" --title "weighted success vs bandwidth (1 mW)"
plot "$out/fig11_weighted_power.csv" --metric weighted --out "$out/fig11_weighted_power.png" --title "weighted success vs power (20 MHz)"
