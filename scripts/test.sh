#!/usr/bin/env bash
# The test suite: set-up, build, then every CTest suite (core, scene, plugin, torch, pipeline,
# python, package (the wheel in a fresh venv), viewer, rl).
#   scripts/test.sh [ctest args]     e.g. scripts/test.sh -L core
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/build.sh"
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
