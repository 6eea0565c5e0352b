#!/usr/bin/env bash
# Set up a fresh machine for mjhybrid: Debian packages, the pinned Python environment in
# .venv, nothing else. Idempotent: seconds when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# debian packages (build tools, C++ libraries, and for the viewer: Dear ImGui, GLFW, OpenGL,
# and Xvfb with Mesa's software renderer for its tests); apt runs only when one is missing
debs=(build-essential cmake pkg-config libeigen3-dev libgtest-dev libgmock-dev
      libbenchmark-dev libcli11-dev nlohmann-json3-dev libhdf5-dev
      libimgui-dev libstb-dev libglfw3-dev libgl-dev xvfb libgl1-mesa-dri)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# python environment; reinstalled only when requirements.txt changed
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$python" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[setup] installing pinned Python packages (requirements.txt)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt 2>&1 \
    | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import mujoco, torch, h5py, matplotlib" \
    || { echo "[setup] error: the Python environment is incomplete" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
