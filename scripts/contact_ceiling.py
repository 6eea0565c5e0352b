"""How much of a scene's sim-to-real gap could perfect system identification close?

Runs the scene's `real.xml` *with the analytic model's timestep and integrator* (the true
hidden parameters, discretized like `sim.xml`) beside `sim.xml` on held-out data, and prints
the k-step position error of both and the gap the true parameters close, with the metric of
`mjhybrid eval` (RMSE per joint coordinate, a free joint's rotation by angle, averaged;
diverged rollouts counted and left out).

This reads real.xml's parameters, which the pipeline never does (the black-box rule): it is
an upper bound for parameter fitting, not a method. What it leaves is the discretization of
the real system, which only a learned correction could remove.

Both models step at sim.xml's timestep, period / timestep times per recorded step (the data's
control period). `--substeps N` runs them at 1/N of the period instead, N steps per recorded
step: what another analytic step would buy, with and without the true parameters.
`mjhybrid study` reports the same bound at sim.xml's own step as its row `true-params`. `--integrator`
overrides sim.xml's integrator for both (RK4 at the real step reproduces the data exactly,
a check of the metric). Actuator states, which the data does not record (hopper's motor lag),
are replayed from the recorded controls, so a rollout starts with the activation it had.
`--without-actuator-dynamics` drops them from real.xml: what its other parameters close alone,
the most that fitting sim.xml's own parameters (sysid) could reach when sim.xml has no such
state.

    .venv/bin/python scripts/contact_ceiling.py SCENE_DIR TEST.h5 [--horizons 10,100] [--stride 5]
        [--substeps N] [--integrator euler|implicitfast|implicit|rk4] [--without-actuator-dynamics]
"""

import argparse
import sys
from pathlib import Path

import h5py
import mujoco
import numpy as np


INTEGRATORS = {"euler": mujoco.mjtIntegrator.mjINT_EULER,
               "implicitfast": mujoco.mjtIntegrator.mjINT_IMPLICITFAST,
               "implicit": mujoco.mjtIntegrator.mjINT_IMPLICIT,
               "rk4": mujoco.mjtIntegrator.mjINT_RK4}


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


def replayed_activations(m: mujoco.MjModel, d: mujoco.MjData, qpos, qvel, ctrl, substeps: int):
    """act at every recorded step: one-step replays from the recorded states, carrying act."""
    act = np.zeros((len(ctrl) + 1, m.na))
    mujoco.mj_resetData(m, d)
    for t in range(len(ctrl)):
        d.qpos[:], d.qvel[:], d.act[:], d.ctrl[:] = qpos[t], qvel[t], act[t], ctrl[t]
        mujoco.mj_step(m, d, substeps)
        act[t + 1] = d.act
    return act


def kstep_error(m: mujoco.MjModel, episodes, horizon: int, stride: int, substeps: int = 1):
    d = mujoco.MjData(m)
    sq, rollouts, diverged = None, 0, 0
    for ep in episodes:
        qpos, qvel, ctrl = ep["qpos"][:], ep["qvel"][:], ep["ctrl"][:]
        act = replayed_activations(m, d, qpos, qvel, ctrl, substeps) if m.na else None
        for s in range(0, len(ctrl) - horizon + 1, stride):
            mujoco.mj_resetData(m, d)
            d.qpos[:], d.qvel[:] = qpos[s], qvel[s]
            if act is not None:
                d.act[:] = act[s]
            rollouts += 1
            healthy = True
            for t in range(s, s + horizon):
                d.ctrl[:] = ctrl[t]
                mujoco.mj_step(m, d, substeps)
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
    parser.add_argument("--substeps", type=int, default=0, help="steps per recorded step (default: period / sim.xml's timestep)")
    parser.add_argument("--integrator", choices=sorted(INTEGRATORS))
    parser.add_argument("--without-actuator-dynamics", action="store_true",
                        help="drop real.xml's actuator dynamics (a motor lag): what its other "
                             "parameters alone would close, the most a fit of sim.xml's own "
                             "parameters could reach")
    args = parser.parse_args()
    if args.substeps < 0:  # 0: the default, period / timestep
        print("contact_ceiling: error: --substeps must be >= 1", file=sys.stderr)
        return 2
    for name in ("real.xml", "sim.xml"):
        if not (args.scene / name).is_file():
            print(f"contact_ceiling: error: {args.scene / name} not found", file=sys.stderr)
            return 2
    nominal = mujoco.MjModel.from_xml_path(str(args.scene / "sim.xml"))
    with h5py.File(args.data) as f:
        period = float(f.attrs["timestep"])
    if not args.substeps:
        args.substeps = round(period / nominal.opt.timestep)
        if args.substeps < 1 or abs(args.substeps * nominal.opt.timestep - period) > 1e-9 * period:
            print(f"contact_ceiling: error: the data's period {period:g} s is not a whole number of "
                  f"sim.xml's timestep {nominal.opt.timestep:g} s", file=sys.stderr)
            return 2
    integrator = INTEGRATORS[args.integrator] if args.integrator else nominal.opt.integrator

    def discretized(path: Path, static_actuators: bool = False) -> mujoco.MjModel:
        spec = mujoco.MjSpec.from_file(str(path))
        spec.option.timestep = period / args.substeps
        spec.option.integrator = integrator
        if static_actuators:
            for actuator in spec.actuators:
                actuator.dyntype = mujoco.mjtDyn.mjDYN_NONE
        return spec.compile()

    sim = discretized(args.scene / "sim.xml")
    true_params = discretized(args.scene / "real.xml", args.without_actuator_dynamics)
    with h5py.File(args.data) as f:
        episodes = [f["episodes"][k] for k in sorted(f["episodes"])]
        print("horizon  sim.xml qpos  true parameters qpos  gap closed  (diverged)")
        for h in (int(x) for x in args.horizons.split(",")):
            a, _, _ = kstep_error(sim, episodes, h, args.stride, args.substeps)
            b, n, bad = kstep_error(true_params, episodes, h, args.stride, args.substeps)
            print(f"{h:7d}  {a:12.4g}  {b:19.4g}  {100 * (1 - b / a):9.1f} %  ({bad} of {n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
