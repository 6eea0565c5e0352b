#!/usr/bin/env python3
"""Write a model card (Markdown) from a residual model's own metadata and an eval.json.

Every figure on the card comes from those two files, never typed by hand:

    scripts/model_card.py models/arm2/residual.safetensors models/arm2/eval.json \
        --command "scripts/ship_model.sh arm2" > models/arm2/MODEL_CARD.md
"""

import argparse
import json
import struct
import sys
from pathlib import Path


def read_metadata(path: Path) -> dict:
    """The 'mjhybrid' metadata JSON of a safetensors residual model."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return json.loads(header["__metadata__"]["mjhybrid"])


def card(model_path: Path, meta: dict, ev: dict, command: str, ev_path: Path | None = None) -> str:
    sig, prov, net = meta["signature"], meta["provenance"], meta["network"]
    data, training = prov["data"], prov["training"]
    joints = ", ".join(f"{j['name']} ({j['type']})" for j in sig["joints"])
    val = ", ".join(f"{m['val_mse']:.4f} (epoch {m['best_epoch']})" for m in training["members"])
    loss = (f"Huber loss (delta {training['huber_delta']:g})" if training.get("loss") == "huber"
            else "MSE loss")
    features = meta["features"]
    pairs = ", ".join(f"{a['name']}:{b['name']}" for a, b in features.get("contact_pairs", [])) or "none"
    if meta["output"]["kind"] == "pair_wrench":
        what = (f"A contact model (mode `replace`) for the scene whose analytic model is `{prov['sim']}`: "
                f"{net['description']}, run once per contact pair within {features['contact_range']} m "
                f"({pairs}). It outputs the wrench the pair exchanges (force and torque, world frame), "
                "applied with `mj_applyFT` while the pair's native contact is switched off.")
    else:
        what = (f"A whole-state residual (mode `augment`) for the scene whose analytic model is "
                f"`{prov['sim']}`: {net['description']}, {features['ctrl_history']} previous controls as "
                f"history, contact features of {pairs}. " +
                ("It outputs a velocity change per dof, added once each step is integrated (past "
                 "the constraint solver, which cannot cancel it)" +
                 (", and also sees the velocity change the solver imposed in that step."
                  if features.get("constraint_response") else ".")
                 if meta["output"]["kind"] == "dqvel" else
                 "It outputs a generalized force per dof added to `qfrc_passive`."))
    params = ev["config"].get("params") or ""
    if params:
        # the residual runs on top of fitted contact parameters (docs/CONTACT.md)
        params_meta = read_metadata(Path(params))
        rows = []
        for (a, b), values in zip(params_meta["pairs"], params_meta["values"]):
            rows.append(f"{a['name']}:{b['name']} " + ", ".join(
                f"{n} {v:.4g}" for n, v in zip(params_meta["parameters"], values)))
        what += (f" It runs on top of the contact parameters of `{Path(params).name}` (mode `params`, fitted by "
                 f"`mjhybrid fit-params`): " + "; ".join(rows) + ". The hybrid below is both together.")
    base = ev["config"].get("base") or ""
    if base:
        # the hybrid builds on an identified model; its gap is still counted against sim.xml
        what += (f" It runs on `{Path(base).name}`, `{Path(ev['config']['sim']).name}` with the physical "
                 "parameters `mjhybrid sysid` identified on the same training data; the analytic column "
                 f"below is `{Path(ev['config']['sim']).name}` as written, so the gap closed counts the "
                 "identification and the residual together.")
        alone = ev_path.with_name("eval-sysid.json") if ev_path else None
        if alone and alone.is_file():
            sysid = json.loads(alone.read_text())
            what += (" The identified model alone closes " + " / ".join(
                "n/a" if g is None else f"{100 * g:.1f} %" for g in sysid["gap_closed"]["qpos"]) +
                " of the position gap at h = " + " / ".join(str(h) for h in sysid["horizons"]) +
                " (`eval-sysid.json`).")
    calibration = prov.get("calibration")
    scale = calibration.get("scale") if isinstance(calibration, dict) else None
    lines = [
        f"# Model card: `{model_path.name}`",
        "",
        what,
        "",
        "| | |",
        "| --- | --- |",
        f"| signature | nq={sig['nq']} nv={sig['nv']} nu={sig['nu']}, timestep {sig['timestep']} s, "
        f"control period {sig.get('control_period', sig['timestep'])} s |",
        f"| joints | {joints} |",
        f"| actuators | {', '.join(sig['actuators'])} |",
        f"| training data | `{data['file']}` from `{data['source']}`: {data['episodes']} episodes, "
        f"{data['transitions']} transitions, {data['real_seconds']:.0f} s of real time, seed {data['seed']} |",
        f"| excitation | {data['excitation']['kind']} |",
        f"| targets | {prov['targets']} ({prov['targets_seconds']:.1f} s) |",
        f"| training | seed {training['seed']}, {training['epochs']} epochs max, batch {training['batch']}, "
        f"lr {training['learning_rate']}, {loss}, {training['torch_threads']} threads: {training['seconds']:.1f} s |",
        f"| validation MSE (normalized) | {val} |",
        f"| output scale | {scale if scale is not None else 'not calibrated'} (chosen by k-step error on the validation episodes; 0 means the residual did not beat the analytic model there) |",
        f"| versions | {prov['versions']}, git {prov['git']} |",
        "",
        f"## Held-out k-step open-loop error (`{Path(ev['config']['data']).name}`, "
        f"{ev['config']['episodes']} episodes)",
        "",
        "| horizon | analytic qpos | hybrid qpos | gap closed | analytic qvel | hybrid qvel | gap closed |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    a, h = ev["methods"]["analytic"], ev["methods"]["hybrid"]
    def pct(x):
        return "n/a" if x is None else f"{100 * x:.1f} %"

    def num(x):
        return "n/a" if x is None else f"{x:.3g}"

    for i, k in enumerate(ev["horizons"]):
        lines.append(
            f"| {k} | {num(a['qpos_rmse'][i])} | {num(h['qpos_rmse'][i])} | "
            f"{pct(ev['gap_closed']['qpos'][i])} | {num(a['qvel_rmse'][i])} | "
            f"{num(h['qvel_rmse'][i])} | {pct(ev['gap_closed']['qvel'][i])} |")
    diverged = sum(h["diverged"]) + sum(a["diverged"])
    lines += [
        "",
        "RMSE averaged over DOFs (rad or m, rad/s or m/s; n/a: episodes shorter than the horizon). Diverged rollouts: "
        f"analytic {sum(a['diverged'])}, hybrid {sum(h['diverged'])}."
        if diverged else "RMSE averaged over DOFs (rad or m, rad/s or m/s; n/a: episodes shorter than the horizon). No rollout diverged.",
        "",
        f"Reproduce: `{command}`",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="residual model (.safetensors)")
    parser.add_argument("eval", type=Path, help="eval.json written by `mjhybrid eval --json`")
    parser.add_argument("--command", required=True, help="the command that reproduces the model")
    args = parser.parse_args()
    try:
        meta = read_metadata(args.model)
        ev = json.loads(args.eval.read_text())
    except (OSError, KeyError, ValueError, struct.error) as e:
        print(f"model_card: error: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(card(args.model, meta, ev, args.command, args.eval))
    return 0


if __name__ == "__main__":
    sys.exit(main())
