#!/usr/bin/env python3
"""The plots of an `mjhybrid study` run, made from its results.csv and overlay.csv only.

    study_plots.py RUN_FOLDER

writes error_vs_horizon.png (k-step error per method, log scale, spread over seeds),
gap_vs_data.png (gap closed at h = 100 vs training data per learned method) and overlay.png
(one held-out episode: real vs each method, the coordinates that move most).
"""
import csv
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ORDER = ["nominal", "true-params", "sysid", "sysid+residual", "sysid+params", "sysid+params+residual", "params",
         "params+residual", "learned", "hybrid", "hybrid-replace"]
COLORS = {"real": "black", "nominal": "#1f77b4", "true-params": "gray", "sysid": "#9467bd",
          "sysid+residual": "#8c564b", "sysid+params": "#17becf", "sysid+params+residual": "#bcbd22",
          "params": "#17becf", "params+residual": "#bcbd22", "learned": "#2ca02c", "hybrid": "#ff7f0e",
          "hybrid-replace": "#d62728"}
# the true parameters read real.xml: drawn as a bound, not as a method
LABELS = {"true-params": "true params (bound)"}
METHODS = [m for m in ORDER if m not in ("nominal", "true-params")]


def read_results(path):
    rows = defaultdict(list)  # (method, data_s, horizon, metric) -> values over seeds
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (r["method"], float(r["data_s"]), int(r["horizon"]), r["metric"])
            rows[key].append(float(r["value"]))
    return rows


def error_vs_horizon(rows, full, out):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, metric, label in zip(axes, ["qpos_rmse", "qvel_rmse"], ["position RMSE", "velocity RMSE"]):
        for method in ORDER:
            horizons = sorted(h for (m, d, h, k) in rows if m == method and d == full and k == metric)
            if not horizons:
                continue
            values = [rows[(method, full, h, metric)] for h in horizons]
            mean = np.array([np.mean(v) for v in values])
            std = np.array([np.std(v, ddof=1) if len(v) > 1 else 0 for v in values])
            ax.errorbar(horizons, mean, yerr=std, marker="o", capsize=3, label=LABELS.get(method, method),
                        color=COLORS[method], linestyle="--" if method == "true-params" else "-")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("horizon k (steps)")
        ax.set_ylabel(label + " (held out)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("k-step open-loop error vs horizon (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def gap_vs_data(rows, out, horizon=100):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, metric in zip(axes, ["gap_closed_qpos", "gap_closed_qvel"]):
        lowest = 0
        for method in METHODS:
            data = sorted({d for (m, d, h, k) in rows if m == method and h == horizon and k == metric})
            if not data:
                continue
            gaps = [100 * np.mean(rows[(method, d, horizon, metric)]) for d in data]
            ax.plot(data, gaps, marker="o", label=method, color=COLORS[method])
            lowest = min(lowest, min(gaps))
        ax.axhline(90, color="gray", linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        # worse than nominal shows as negative; very negative values are clipped at -100 %
        ax.set_ylim(max(-100, lowest - 5), 100)
        ax.set_xlabel("training data (s of real time)")
        ax.set_ylabel(f"gap closed at h = {horizon} ({metric[-4:]}), %")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("data efficiency (first seed)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def overlay(path, out, coordinates=3):
    series = defaultdict(lambda: ([], []))  # method -> (time, rows of qpos)
    with open(path) as f:
        reader = csv.DictReader(f)
        names = [k for k in reader.fieldnames if k.startswith("qpos")]
        for r in reader:
            t, q = series[r["method"]]
            t.append(float(r["time"]))
            q.append([float(r[k]) for k in names])
    real = np.array(series["real"][1])
    # the coordinates that move most in the real episode; a quaternion's parts are no angle
    spread = real.std(axis=0)
    spread[[i for i, n in enumerate(names) if n.split(".")[-1] in ("qw", "qx", "qy", "qz")]] = -1
    picks = [i for i in np.argsort(-spread)[:coordinates] if spread[i] >= 0]
    fig, axes = plt.subplots(len(picks), 1, figsize=(10, 2.4 * len(picks)), sharex=True)
    axes = np.atleast_1d(axes)
    for ax, i in zip(axes, picks):
        for method in ["real"] + ORDER:
            if method not in series:
                continue
            t, q = series[method]
            ax.plot(t, np.array(q)[:, i], label=method, color=COLORS[method],
                    linewidth=2.2 if method == "real" else 1.2)
        ax.set_ylabel(names[i].removeprefix("qpos."))
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=8, ncol=4)
    axes[-1].set_xlabel("time (s), open loop from the recorded start")
    fig.suptitle("one held-out episode: real vs each method")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: study_plots.py RUN_FOLDER")
    run = sys.argv[1]
    results = os.path.join(run, "results.csv")
    if not os.path.exists(results):
        sys.exit(f"study_plots.py: error: {results} does not exist (run `mjhybrid study` first)")
    rows = read_results(results)
    full = max(d for (m, d, h, k) in rows if m == "nominal")
    error_vs_horizon(rows, full, os.path.join(run, "error_vs_horizon.png"))
    gap_vs_data(rows, os.path.join(run, "gap_vs_data.png"))
    overlay(os.path.join(run, "overlay.csv"), os.path.join(run, "overlay.png"))
    print(f"wrote {run}/error_vs_horizon.png, gap_vs_data.png, overlay.png")


if __name__ == "__main__":
    main()
