"""The plot of an `mjhybrid transfer` run, made from its curves.csv and transfer.json only.

curves.png: the real return of each training method's policy against the environment steps
it was trained for (mean over seeds, band = min..max over seeds), with the MPC controllers'
real returns as horizontal lines.

    python scripts/transfer_plots.py RUN_FOLDER
"""

import csv
import json
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLORS = {
    "nominal": "#1f77b4",
    "randomized": "#9467bd",
    "hybrid": "#ff7f0e",
    "oracle": "#000000",
    "mpc-nominal": "#1f77b4",
    "mpc-hybrid": "#ff7f0e",
}


def read_curves(path: str) -> dict:
    """method -> seed -> [(steps, real_return)]"""
    curves: dict = defaultdict(lambda: defaultdict(list))
    with open(path) as f:
        for r in csv.DictReader(f):
            curves[r["method"]][r["seed"]].append((int(r["steps"]), float(r["real_return"])))
    return curves


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: transfer_plots.py RUN_FOLDER")
    run = sys.argv[1]
    curves_path = os.path.join(run, "curves.csv")
    summary_path = os.path.join(run, "transfer.json")
    for path in (curves_path, summary_path):
        if not os.path.exists(path):
            sys.exit(f"transfer_plots.py: error: {path} does not exist (run `mjhybrid transfer` first)")
    curves = read_curves(curves_path)
    with open(summary_path) as f:
        summary = json.load(f)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for method, seeds in curves.items():
        # seeds are scored at the same step counts: align on the shortest
        n = min(len(points) for points in seeds.values())
        steps = np.array([p[0] for p in next(iter(seeds.values()))[:n]])
        values = np.array([[p[1] for p in points[:n]] for points in seeds.values()])
        color = COLORS.get(method, None)
        ax.plot(steps, values.mean(axis=0), label=f"PPO on {method}", color=color, linewidth=2)
        if len(seeds) > 1:
            ax.fill_between(steps, values.min(axis=0), values.max(axis=0), color=color, alpha=0.15)
    for method, result in summary["methods"].items():
        if method.startswith("mpc-"):
            ax.axhline(result["real_return"], color=COLORS.get(method), linestyle="--", linewidth=1.2,
                       label=f"{method} (planner)")
    ax.set_xlabel("training environment steps")
    ax.set_ylabel("return on real.xml")
    ax.set_title(f"{summary['scene']} / {summary['task']}: policies scored on the real system")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = os.path.join(run, "curves.png")
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
