"""How much of a scene's sim-to-real gap could perfect system identification close?

Runs the scene's `real.xml` *with the analytic model's timestep and integrator* (the true
hidden parameters, discretized like `sim.xml`) beside `sim.xml` on held-out data, and prints
the k-step position error of both and the gap the true parameters close, with the metric of
`mjhybrid eval` (RMSE per joint coordinate, a free joint's rotation by angle, averaged;
diverged rollouts counted and left out).

This reads real.xml's parameters, which the pipeline never does (the black-box rule): it is
an upper bound for parameter fitting, not a method. What it leaves is the discretization of
the real system, which only a learned correction could remove.

    .venv/bin/python scripts/contact_ceiling.py SCENE_DIR TEST.h5 [--horizons 10,100] [--stride 5]
"""

import argparse
import sys
from pathlib import Path

import h5py
import mujoco
import numpy as np


def position_errors(m: mujoco.MjModel, a: np.ndarray, b: np.ndarray) -> list:
    out = []
    for j in range(m.njnt):
        adr = m.jnt_qposadr[j]
        if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
            out += list(a[adr:adr + 3] - b[adr:adr + 3])
            dot = min(1.0, abs(float(np.dot(a[adr + 3:adr + 7], b[adr + 3:adr + 7]))))
            out.append(2 * np.arccos(dot))
        elif m.jnt_type[j] == mujoco.mjtJoint.mjJNT_BALL:
            dot = min(1.0, abs(float(np.dot(a[adr:adr + 4], b[adr:adr + 4]))))
            out.append(2 * np.arccos(dot))
        else:
            out.append(a[adr] - b[adr])
    return out


def kstep_error(m: mujoco.MjModel, episodes, horizon: int, stride: int):
    d = mujoco.MjData(m)
    sq, rollouts, diverged = None, 0, 0
    for ep in episodes:
        qpos, qvel, ctrl = ep["qpos"][:], ep["qvel"][:], ep["ctrl"][:]
        for s in range(0, len(ctrl) - horizon + 1, stride):
            mujoco.mj_resetData(m, d)
            d.qpos[:], d.qvel[:] = qpos[s], qvel[s]
            rollouts += 1
            healthy = True
            for t in range(s, s + horizon):
                d.ctrl[:] = ctrl[t]
                mujoco.mj_step(m, d)
                if d.warning[mujoco.mjtWarning.mjWARN_BADQACC].number > 0 or \
                        not np.all(np.isfinite(d.qpos)):
                    healthy = False
                    break
            if not healthy:
                diverged += 1
                continue
            e = np.square(position_errors(m, d.qpos, qpos[s + horizon]))
            sq = e if sq is None else sq + e
    if sq is None:
        return float("nan"), rollouts, diverged
    return float(np.mean(np.sqrt(sq / (rollouts - diverged)))), rollouts, diverged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scene", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("--horizons", default="10,100")
    parser.add_argument("--stride", type=int, default=5)
    args = parser.parse_args()
    for name in ("real.xml", "sim.xml"):
        if not (args.scene / name).is_file():
            print(f"contact_ceiling: error: {args.scene / name} not found", file=sys.stderr)
            return 2
    sim = mujoco.MjModel.from_xml_path(str(args.scene / "sim.xml"))
    spec = mujoco.MjSpec.from_file(str(args.scene / "real.xml"))
    spec.option.timestep = sim.opt.timestep
    spec.option.integrator = sim.opt.integrator
    true_params = spec.compile()
    with h5py.File(args.data) as f:
        episodes = [f["episodes"][k] for k in sorted(f["episodes"])]
        print("horizon  sim.xml qpos  true parameters qpos  gap closed  (diverged)")
        for h in (int(x) for x in args.horizons.split(",")):
            a, _, _ = kstep_error(sim, episodes, h, args.stride)
            b, n, bad = kstep_error(true_params, episodes, h, args.stride)
            print(f"{h:7d}  {a:12.4g}  {b:19.4g}  {100 * (1 - b / a):9.1f} %  ({bad} of {n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
