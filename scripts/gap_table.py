#!/usr/bin/env python3
"""Prints a Markdown table of gap closed from eval.json files: one row per file.

    scripts/gap_table.py runs/arm2/eval.json runs/push/eval.json ...
"""
import json
import os
import sys


def main(paths):
    print("| scene | mode | h=1 qpos / qvel | h=10 qpos / qvel | h=100 qpos / qvel | h=1000 qpos / qvel | scale |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for path in paths:
        report = json.load(open(path))
        gaps = report["gap_closed"]
        cells = []
        for h in (1, 10, 100, 1000):
            if h in report["horizons"]:
                i = report["horizons"].index(h)
                q, v = gaps["qpos"][i], gaps["qvel"][i]
                cells.append("n/a" if q is None or v is None else f"{100 * q:.1f} % / {100 * v:.1f} %")
            else:
                cells.append("n/a")
        scene = os.path.basename(os.path.dirname(path))
        mode = "replace" if "replace" in os.path.basename(path) else "augment"
        print(f"| {scene} | {mode} | " + " | ".join(cells) + f" | {report.get('calibrated_scale', 'n/a')} |")


if __name__ == "__main__":
    main(sys.argv[1:])
