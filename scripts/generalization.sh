#!/usr/bin/env bash
# The honest test of the pipeline's defaults: run the whole demo (collect, train, attach, eval)
# with default settings on real/sim pairs that were written by someone else and never used to
# tune anything (tests/unseen/*), and print the gap table.
#
#   scripts/generalization.sh [PAIR ...]     default: every folder under tests/unseen/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pairs=("$@")
[ ${#pairs[@]} -gt 0 ] || pairs=(tests/unseen/*/)
reports=()
for dir in "${pairs[@]}"; do
  dir="${dir%/}"
  [ -d "$dir" ] || dir="tests/unseen/$dir"
  name="$(basename "$dir")"
  echo "==== $name"
  "$root/scripts/demo.sh" "$dir" > "runs/generalization-$name.log" 2>&1 || { echo "demo failed, see runs/generalization-$name.log" >&2; exit 1; }
  grep -A5 "^horizon" "runs/generalization-$name.log" | head -6
  reports+=("runs/$name/eval.json")
done
echo
"$root/.venv/bin/python" "$root/scripts/gap_table.py" "${reports[@]}"
