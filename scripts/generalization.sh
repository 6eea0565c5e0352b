#!/usr/bin/env bash
# The honest test of the pipeline's defaults: run the whole demo (collect, train, attach, eval)
# with default settings on real/sim pairs that were written by someone else and never used to
# tune anything, and print the gap table. tests/unseen/ informed one default (the Huber loss);
# tests/unseen2/ was written after it, by someone who never ran the pipeline on it, and both
# were run before sysid-first became the demo's default; tests/unseen3/ was written after that.
#
#   scripts/generalization.sh [PAIR ...]     default: every folder under tests/unseen*/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pairs=("$@")
[ ${#pairs[@]} -gt 0 ] || pairs=(tests/unseen/*/ tests/unseen2/*/ tests/unseen3/*/)
reports=()
for dir in "${pairs[@]}"; do
  dir="${dir%/}"
  [ -d "$dir" ] || dir="tests/unseen/$dir"
  [ -d "$dir" ] || dir="tests/unseen2/$(basename "$dir")"
  [ -d "$dir" ] || dir="tests/unseen3/$(basename "$dir")"
  name="$(basename "$dir")"
  echo "==== $name"
  "$root/scripts/demo.sh" "$dir" > "runs/generalization-$name.log" 2>&1 || { echo "demo failed, see runs/generalization-$name.log" >&2; exit 1; }
  # the last table is the hybrid's (sysid's own comes first)
  grep -A5 "^horizon" "runs/generalization-$name.log" | tail -6
  reports+=("runs/$name/eval.json")
done
echo
"$root/.venv/bin/python" "$root/scripts/gap_table.py" "${reports[@]}"
