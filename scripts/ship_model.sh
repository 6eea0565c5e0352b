#!/usr/bin/env bash
# Retrain a scene's shipped model from scratch and rewrite its card: runs the demo's pipeline
# for the scene, then copies the model and its evaluation into models/<scene>/ and points
# scenes/<scene>/hybrid.xml at it. Asks before replacing a shipped model (or pass --yes).
#
#   scripts/ship_model.sh SCENE [--yes]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scene="${1:?usage: scripts/ship_model.sh SCENE [--yes]}"
dest="models/$scene"
if [ -f "$dest/residual.safetensors" ] && [ "${2:-}" != "--yes" ]; then
  read -r -p "replace the shipped $dest/residual.safetensors? [y/N] " answer
  [ "$answer" = "y" ] || { echo "nothing changed"; exit 1; }
fi
"$root/scripts/demo.sh" "$scene"
mkdir -p "$dest"
cp "runs/$scene/residual.safetensors" "runs/$scene/eval.json" "runs/$scene/eval.csv" "$dest/"
build/bin/mjhybrid attach --model "scenes/$scene/sim.xml" --residual "$dest/residual.safetensors" \
  --out "scenes/$scene/hybrid.xml" --force
.venv/bin/python scripts/model_card.py "$dest/residual.safetensors" "$dest/eval.json" \
  --command "scripts/ship_model.sh $scene" > "$dest/MODEL_CARD.md"
echo "shipped $dest (card: $dest/MODEL_CARD.md)"
