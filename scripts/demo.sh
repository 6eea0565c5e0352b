#!/usr/bin/env bash
# The main job: on the default scene (arm2), collect real trajectories, train the residual,
# attach it to the analytic model and print the sim-to-real gap table. Everything from scratch,
# into runs/<scene>/ (the shipped scene and model are not touched).
#
#   scripts/demo.sh [SCENE]      SCENE defaults to arm2
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scene="${1:-arm2}"
[ -d "scenes/$scene" ] || { echo "demo: no scene 'scenes/$scene'" >&2; exit 2; }

"$root/scripts/build.sh" >/dev/null
bin="$root/build/bin/mjhybrid"
out="runs/$scene"
mkdir -p "$out"
start=$(date +%s)

# 32 training + 8 held-out episodes of 6 s at 200 Hz: 240 s of real time in all
echo "== collect: 32 training + 8 held-out episodes from scenes/$scene/real.xml"
"$bin" collect --model "scenes/$scene/real.xml" --out "$out/train.h5" --episodes 32 \
  --steps 1200 --dt 0.005 --seed 1 --force
"$bin" collect --model "scenes/$scene/real.xml" --out "$out/test.h5" --episodes 8 \
  --steps 1200 --dt 0.005 --seed 2 --force

echo "== train: residual on scenes/$scene/sim.xml"
"$bin" train --model "scenes/$scene/sim.xml" --data "$out/train.h5" \
  --out "$out/residual.safetensors" --seed 1 --force

echo "== attach: $out/hybrid.xml"
"$bin" attach --model "scenes/$scene/sim.xml" --residual "$out/residual.safetensors" \
  --out "$out/hybrid.xml" --force

echo "== eval: k-step open-loop error on the held-out episodes"
"$bin" eval --model "scenes/$scene/sim.xml" --residual "$out/residual.safetensors" \
  --data "$out/test.h5" --horizons 1,10,100,1000 --json "$out/eval.json" --force

echo "demo finished in $(( $(date +%s) - start )) s; results in $out/ (eval.json, eval.csv)"
