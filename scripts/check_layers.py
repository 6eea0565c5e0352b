#!/usr/bin/env python3
"""Checks the layering of docs/ARCHITECTURE.md against the #include lines of the sources.

Every folder may include only the folders listed for it below; a cycle between folders or an
include of cli/ from a library is an error. Exits 1 with one line per violation.
"""

import argparse
import pathlib
import re
import sys

# folder -> the folders its sources may include (besides their own)
ALLOWED = {
    "plugin/core": set(),
    "plugin/mujoco": {"plugin/core"},
    "plugin/torch": {"plugin/core"},
    "scene": {"plugin/core", "plugin/mujoco"},
    "pipeline": {"plugin/core", "plugin/mujoco", "scene"},
    "rl": {"plugin/core", "plugin/mujoco", "scene"},
    "viewer/sim": {"plugin/core", "plugin/mujoco", "scene"},
    "viewer/gfx": {"viewer/sim", "plugin/core", "plugin/mujoco", "scene"},
    "viewer/ui": {"viewer/gfx", "viewer/sim", "plugin/core", "plugin/mujoco", "scene"},
    "viewer": {"viewer/ui", "viewer/gfx", "viewer/sim", "rl", "plugin/core", "plugin/mujoco", "scene"},
    "cli": {"pipeline", "rl", "scene", "plugin/core", "plugin/mujoco"},
}


def folder_of(path: str) -> str:
    parts = path.split("/")
    if parts[0] in ("plugin", "viewer") and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=pathlib.Path(__file__).resolve().parent.parent,
                        type=pathlib.Path)
    root = parser.parse_args().root
    problems = []
    sources = []
    for top in sorted({f.split("/")[0] for f in ALLOWED}):
        sources += [p for p in (root / top).rglob("*") if p.suffix in (".h", ".cc")]
    for source in sorted(sources):
        rel = source.relative_to(root).as_posix()
        mine = folder_of(rel)
        for line, target in re.findall(r'^(#include "([^"]+)")', source.read_text(), re.M):
            theirs = folder_of(target)
            if theirs != mine and theirs not in ALLOWED.get(mine, set()):
                problems.append(f"{rel}: {line} ({mine} may not include {theirs})")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
