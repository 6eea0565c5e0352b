#!/usr/bin/env bash
# Retrain a scene's shipped models from scratch and rewrite their cards: runs the demo's
# pipeline for the scene, then copies the whole-state residual and its evaluation into
# models/<scene>/ and points scenes/<scene>/hybrid.xml at it. Where the scene offers contact
# pairs to replace, the contact model goes beside it (contact.safetensors, eval-replace.*,
# MODEL_CARD-replace.md) with scenes/<scene>/hybrid-replace.xml. Fitted contact parameters
# (params.safetensors) ship beside the residual, and hybrid.xml uses both. The identified model
# (unless scene.json says "sysid": false) ships as scenes/<scene>/sysid.xml, and hybrid.xml
# builds on it, or on sysid-contact.xml where scene.json asks for contact rounds.
# Asks before replacing a shipped model (or pass --yes).
#
#   scripts/ship_model.sh SCENE [--yes]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scene="${1:?usage: scripts/ship_model.sh SCENE [--yes]}"
dest="models/$scene"
if [ -f "$dest/residual.safetensors" ] && [ "${2:-}" != "--yes" ]; then
  read -r -p "replace the shipped models in $dest? [y/N] " answer
  [ "$answer" = "y" ] || { echo "nothing changed"; exit 1; }
fi
"$root/scripts/demo.sh" "$scene"
mkdir -p "$dest"
# the identified analytic model (demo.sh's sysid step), beside sim.xml. sysid wrote its asset
# folders relative to runs/<scene>/, which lies as deep as scenes/<scene>/, so they still hold
model="scenes/$scene/sim.xml"
if [ -f "runs/$scene/sysid.xml" ]; then
  model="scenes/$scene/sysid.xml"
  { printf '%s\n' "<!-- $scene, identified: sim.xml with the physical parameters \`mjhybrid sysid\` found on the" \
      "     demo's training data (scripts/ship_model.sh $scene); hybrid.xml builds on it. Derived from" \
      "     sim.xml: its licence and notes apply. Regenerated, not edited by hand. -->"
    cat "runs/$scene/sysid.xml"; } > "$model"
  .venv/bin/python -c 'import mujoco,sys; mujoco.MjModel.from_xml_path(sys.argv[1])' "$model"
  cp "runs/$scene/eval-sysid.json" "runs/$scene/eval-sysid.csv" "$dest/"
elif grep -qs "identified: sim.xml with the physical parameters" "scenes/$scene/sysid.xml"; then
  rm "scenes/$scene/sysid.xml"  # one this script wrote earlier; a file of the user's own stays
  rm -f "$dest/eval-sysid.json" "$dest/eval-sysid.csv"
fi
# the physical parameters identified again with the contact parameters in place (scene.json
# "sysid": {"contact_rounds": N}): the models with contact parameters build on this one
if [ -f "runs/$scene/sysid-contact.xml" ]; then
  model="scenes/$scene/sysid-contact.xml"
  { printf '%s\n' "<!-- $scene, identified with its contact parameters in place: sysid.xml's physical parameters" \
      "     fitted again by \`mjhybrid sysid --params\` beside the per-pair contact parameters" \
      "     (scripts/ship_model.sh $scene); hybrid.xml and hybrid-params.xml build on it with those" \
      "     parameters. Derived from sim.xml: its licence and notes apply. Regenerated, not edited by hand. -->"
    cat "runs/$scene/sysid-contact.xml"; } > "$model"
  .venv/bin/python -c 'import mujoco,sys; mujoco.MjModel.from_xml_path(sys.argv[1])' "$model"
elif grep -qs "identified with its contact parameters in place" "scenes/$scene/sysid-contact.xml"; then
  rm "scenes/$scene/sysid-contact.xml"
fi
# fitted contact parameters (scene.json "fit_params") ship beside the residual trained on them
params=()
if [ -f "runs/$scene/params.safetensors" ]; then
  cp "runs/$scene/params.safetensors" "runs/$scene/eval-params.json" "runs/$scene/eval-params.csv" "$dest/"
  params=(--params "$dest/params.safetensors")
  # the parameters alone, for comparison and the step-overhead benchmark
  build/bin/mjhybrid attach --model "$model" "${params[@]}" --out "scenes/$scene/hybrid-params.xml" --force
else
  rm -f "$dest/params.safetensors" "$dest/eval-params.json" "$dest/eval-params.csv" "scenes/$scene/hybrid-params.xml"
fi
ship() {  # MODEL EVAL_STEM HYBRID CARD ANALYTIC_MODEL [ATTACH OPTIONS]
  cp "runs/$scene/$1" "runs/$scene/$2.json" "runs/$scene/$2.csv" "$dest/"
  build/bin/mjhybrid attach --model "$5" "${@:6}" --residual "$dest/$1" --out "scenes/$scene/$3" --force
  .venv/bin/python scripts/model_card.py "$dest/$1" "$dest/$2.json" \
    --command "scripts/ship_model.sh $scene" > "$dest/$4"
}
ship residual.safetensors eval hybrid.xml MODEL_CARD.md "$model" "${params[@]}"
if [ -f "runs/$scene/contact.safetensors" ]; then
  ship contact.safetensors eval-replace hybrid-replace.xml MODEL_CARD-replace.md "scenes/$scene/sim.xml"
fi
echo "shipped $dest (cards: $dest/MODEL_CARD*.md)"
