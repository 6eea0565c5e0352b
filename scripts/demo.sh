#!/usr/bin/env bash
# The main job: on the default scene (arm2), collect real trajectories, train the residual,
# attach it to the analytic model and print the sim-to-real gap table. Everything from scratch,
# into runs/<scene>/ (the shipped scene and model are not touched). The scene's scene.json
# says how data is collected (episode count and length, placement). Where it names contact
# pairs to replace, a contact model (mode replace) is trained and evaluated as well. Where the
# training data hold contacts (or scene.json says "fit_params": true; false: never), contact
# parameters per geom pair are fitted first and the residual is trained on the scene that
# uses them. Before both, sim.xml's physical parameters are identified (mjhybrid sysid) and
# everything after builds on the identified model, unless scene.json says "sysid": false.
#
#   scripts/demo.sh [SCENE]      SCENE: a folder under scenes/ (default arm2) or a path
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scene="${1:-arm2}"
dir="$scene"
[ -d "$dir" ] || dir="scenes/$scene"
[ -f "$dir/real.xml" ] && [ -f "$dir/sim.xml" ] || { echo "demo: '$dir' has no real.xml and sim.xml" >&2; exit 2; }
name="$(basename "$dir")"

"$root/scripts/build.sh" >/dev/null
bin="$root/build/bin/mjhybrid"
out="runs/$name"
mkdir -p "$out"
start=$(date +%s)
protocol=()
[ -f "$dir/scene.json" ] && protocol=(--protocol "$dir/scene.json")
# record at the scene's control period (scene.json "collect": {"dt"}), else at the analytic
# model's timestep; the analytic model steps period/timestep times per recorded step
if ! "$root/.venv/bin/python" -c 'import json,sys; sys.exit(0 if "dt" in json.load(open(sys.argv[1])).get("collect",{}) else 1)' "$dir/scene.json" 2>/dev/null; then
  dt="$("$root/.venv/bin/python" -c 'import mujoco,sys; print(repr(mujoco.MjModel.from_xml_path(sys.argv[1]).opt.timestep))' "$dir/sim.xml")"
  protocol+=(--dt "$dt")
fi

echo "== collect: training and held-out episodes from $dir/real.xml"
"$bin" collect --model "$dir/real.xml" "${protocol[@]}" --out "$out/train.h5" --seed 1 --force
"$bin" collect --model "$dir/real.xml" "${protocol[@]}" --held-out --out "$out/test.h5" --seed 2 --force

# the identified model first (scene.json "sysid": false skips it): the contact parameters and
# the residual then learn what the identified physical parameters leave
base="$dir/sim.xml"
analytic=()
sysid_options=()
rm -f "$out/sysid.xml" "$out/eval-sysid.json" "$out/eval-sysid.csv"
identify="$("$root/.venv/bin/python" -c 'import json,sys; print("no" if sys.argv[1] and json.load(open(sys.argv[1])).get("sysid") is False else "yes")' "$([ -f "$dir/scene.json" ] && echo "$dir/scene.json")")"
if [ "$identify" = "yes" ]; then
  echo "== sysid: physical parameters of $dir/sim.xml"
  # scene.json "sysid": {"actuator_lag": true, "step_doublings": N, "polish_sweeps": N, "rounds": N} (scene/scene_config.h)
  if [ -f "$dir/scene.json" ]; then
    read -r -a sysid_options <<< "$("$root/.venv/bin/python" -c 'import json,sys; s=json.load(open(sys.argv[1])).get("sysid"); s=s if isinstance(s,dict) else {}; print(" ".join(("--"+k.replace("_","-")) if v is True else ("--%s %d" % (k.replace("_","-"), v)) for k,v in s.items() if k != "contact_rounds" and (v is True or (isinstance(v,int) and not isinstance(v,bool)))))' "$dir/scene.json")"
  fi
  "$bin" sysid --model "$dir/sim.xml" --data "$out/train.h5" --eval "$out/test.h5" --out "$out/sysid.xml" "${sysid_options[@]}" --force
  base="$out/sysid.xml"
  analytic=(--base "$base")
  "$bin" eval --model "$dir/sim.xml" --base "$base" --data "$out/test.h5" --horizons 1,10,100,1000 \
    --json "$out/eval-sysid.json" --force
fi

# contact parameters per geom pair (docs/CONTACT.md), where the training data hold contacts
# (scene.json "fit_params": true always, false never); the residual then learns what they
# leave, on the scene that uses them
params=()
rm -f "$out/params.safetensors" "$out/params.xml" "$out/eval-params.json" "$out/eval-params.csv"
fit="$("$root/.venv/bin/python" -c 'import json,sys; v=json.load(open(sys.argv[1])).get("fit_params") if sys.argv[1] else None; print({True: "always", False: "never"}.get(v, "auto"))' "$([ -f "$dir/scene.json" ] && echo "$dir/scene.json")")"
if [ "$fit" != "never" ]; then
  echo "== fit-params: contact parameters per geom pair of $base"
  if_contact=()
  [ "$fit" = "auto" ] && if_contact=(--if-contact)
  "$bin" fit-params --model "$base" --data "$out/train.h5" --out "$out/params.safetensors" "${if_contact[@]}" --force
fi
# contact rounds (scene.json "sysid": {"contact_rounds": N}): the physical parameters again
# with the fitted pairs in place, then the pairs again from where they were; sysid.xml stays
# what sysid alone found, and the models with contact parameters build on sysid-contact.xml
rm -f "$out/sysid-contact.xml"
contact_rounds=0
if [ "$identify" = "yes" ] && [ -f "$out/params.safetensors" ] && [ -f "$dir/scene.json" ]; then
  contact_rounds="$("$root/.venv/bin/python" -c 'import json,sys; s=json.load(open(sys.argv[1])).get("sysid"); print(s.get("contact_rounds", 0) if isinstance(s,dict) else 0)' "$dir/scene.json")"
fi
round_options=()
for ((k = 0; k < ${#sysid_options[@]}; ++k)); do
  case "${sysid_options[k]}" in
    --actuator-lag) ;;                      # decided in the identification before the pairs
    --rounds) k=$((k + 1)) ;;
    *) round_options+=("${sysid_options[k]}") ;;
  esac
done
for ((round = 1; round <= contact_rounds; ++round)); do
  echo "== contact round $round of $contact_rounds: physical parameters with the pairs, then the pairs"
  "$bin" sysid --model "$base" --params "$out/params.safetensors" --data "$out/train.h5" \
    --out "$out/sysid-contact.xml" "${round_options[@]}" --force
  base="$out/sysid-contact.xml"
  analytic=(--base "$base")
  "$bin" fit-params --model "$base" --data "$out/train.h5" --start "$out/params.safetensors" \
    --out "$out/params.safetensors" --force
done
if [ -f "$out/params.safetensors" ]; then
  "$bin" attach --model "$base" --params "$out/params.safetensors" --out "$out/params.xml" --force
  "$bin" eval --model "$dir/sim.xml" "${analytic[@]}" --params "$out/params.safetensors" \
    --data "$out/test.h5" --horizons 1,10,100,1000 --json "$out/eval-params.json" --force
  params=(--params "$out/params.safetensors")
fi
trained_on="$base"
[ -f "$out/params.safetensors" ] && trained_on="$out/params.xml"

echo "== train: residual on $trained_on"
train_protocol=()
[ -f "$dir/scene.json" ] && train_protocol=(--protocol "$dir/scene.json")  # its "train" section
"$bin" train --model "$trained_on" --data "$out/train.h5" --out "$out/residual.safetensors" \
  "${train_protocol[@]}" --seed 1 --force

echo "== attach: $out/hybrid.xml"
"$bin" attach --model "$base" "${params[@]}" --residual "$out/residual.safetensors" \
  --out "$out/hybrid.xml" --force

echo "== eval: k-step open-loop error on the held-out episodes"
"$bin" eval --model "$dir/sim.xml" "${analytic[@]}" "${params[@]}" --residual "$out/residual.safetensors" \
  --data "$out/test.h5" --horizons 1,10,100,1000 --json "$out/eval.json" --force

# contact pairs the scene offers for mode replace, as GEOM1:GEOM2,...
pairs=""
if [ -f "$dir/scene.json" ]; then
  pairs="$("$root/.venv/bin/python" -c 'import json,sys; print(",".join(a+":"+b for a,b in json.load(open(sys.argv[1])).get("replace",[])))' "$dir/scene.json")"
fi
if [ -n "$pairs" ]; then
  echo "== train: contact model for $pairs (mode replace)"
  "$bin" train --model "$dir/sim.xml" --data "$out/train.h5" --replace "$pairs" \
    --out "$out/contact.safetensors" "${train_protocol[@]}" --seed 1 --force
  echo "== eval: mode replace"
  "$bin" eval --model "$dir/sim.xml" --residual "$out/contact.safetensors" \
    --data "$out/test.h5" --horizons 1,10,100,1000 --json "$out/eval-replace.json" --force
fi

echo "demo finished in $(( $(date +%s) - start )) s; results in $out/"
