"""The task file of a scene (task.json): its grammar, and a task bound to one compiled model.

The format is the one of ``rl/task.h``, which the C++ environment implements; this module is
its Python implementation, kept to the same rules (the same checks, the same order of random
draws, the same observation layout and reward) so that a policy sees the same task from
either side. ``mjhybrid.envs`` builds the Gymnasium environment on top of it.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import mujoco
import numpy as np

_AXES = "xyz"
_SCALAR_JOINTS = (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE)
_QPOS_WIDTH = {
    int(mujoco.mjtJoint.mjJNT_FREE): 7,
    int(mujoco.mjtJoint.mjJNT_BALL): 4,
    int(mujoco.mjtJoint.mjJNT_SLIDE): 1,
    int(mujoco.mjtJoint.mjJNT_HINGE): 1,
}


class _TaskError(ValueError):
    """A task.json mistake; always one line: the file, the key, what is wrong."""

    def __init__(self, path: pathlib.Path, key: str, what: str) -> None:
        super().__init__(f"{path}: {key}: {what}")


@dataclass
class RewardTerm:
    """One reward term; which fields matter depends on ``kind``."""

    kind: str  # distance, velocity, ctrl, alive
    weight: float
    site: Optional[str] = None
    body: Optional[str] = None
    goal: np.ndarray = field(default_factory=lambda: np.zeros(3))
    axes: tuple[int, ...] = ()
    joint: Optional[str] = None


_PLACEMENT_KEYS = ("xy", "z", "yaw", "vel", "angvel")


@dataclass
class FreeReset:
    """How a free joint is placed at reset (scene/episode_start.h): uniform x, y, z offsets and
    yaw, Gaussian linear and angular velocities. ``joint`` None: every free joint not named."""

    joint: Optional[str]
    xy: tuple[float, float] = (0.0, 0.0)
    z: tuple[float, float] = (0.0, 0.0)
    yaw: tuple[float, float] = (0.0, 0.0)
    vel: float = 0.0
    angvel: float = 0.0


@dataclass
class TaskSpec:
    """A task.json as read and checked for its grammar, before any model is involved."""

    path: pathlib.Path
    name: str
    about: str
    control_dt: float
    horizon: int
    reset_joints: list[tuple[str, float, float]]
    reset_qvel: float
    reset_free: list[FreeReset]
    exclude: list[str]
    reward: list[RewardTerm]
    terminate: list[tuple[str, float, float]]


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json object hook: a key given twice would silently keep the last one."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key '{key}' appears twice")
        out[key] = value
    return out


class _Reader:
    """Typed access to the parsed JSON, every failure naming the file and the key."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path

    def fail(self, key: str, what: str) -> None:
        raise _TaskError(self.path, key, what)

    def obj(self, value: Any, key: str, allowed: Sequence[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, "must be an object")
        for k in value:
            if k not in allowed:
                where = f"{key}.{k}" if key != "(top level)" else k
                self.fail(where, f"unknown key; valid keys here: {', '.join(allowed)}")
        return value

    def number(self, value: Any, key: str) -> float:
        # bool is an int in Python, but `true` is no number in a task file
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"must be a number, not {json.dumps(value)}")
        if not math.isfinite(value):
            self.fail(key, "must be finite")
        return float(value)

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            self.fail(key, f"must be a non-empty string, not {json.dumps(value)}")
        return value

    def range(self, value: Any, key: str) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            self.fail(key, f"must be [lo, hi], not {json.dumps(value)}")
        lo, hi = self.number(value[0], key), self.number(value[1], key)
        if lo > hi:
            self.fail(key, f"[{lo:g}, {hi:g}] is an empty range (lo > hi)")
        return lo, hi

    def joint_ranges(self, value: Any, key: str) -> list[tuple[str, float, float]]:
        if not isinstance(value, dict):
            self.fail(key, "must map joint names to [lo, hi]")
        return [(name, *self.range(r, f"{key}.{name}")) for name, r in value.items()]


def load_task_spec(path: str | os.PathLike) -> TaskSpec:
    """Read a task.json and check its grammar (rl/task.h); ValueError with one line if not.

    Unknown keys are errors, not ignored, so that a misspelt key never runs a different
    task than the one its author meant.
    """
    path = pathlib.Path(path)
    r = _Reader(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ValueError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        doc = json.loads(text, object_pairs_hook=_reject_duplicates)
    except ValueError as e:
        raise ValueError(f"{path}: is not valid JSON: {str(e).splitlines()[0]}") from None

    top = r.obj(doc, "(top level)", ("task", "about", "control_dt", "horizon", "reset",
                                     "observation", "reward", "terminate"))
    for required in ("task", "control_dt", "horizon", "reward"):
        if required not in top:
            r.fail(required, "missing (required)")
    name = r.string(top["task"], "task")
    about = top.get("about", "")
    if not isinstance(about, str):
        r.fail("about", "must be a string")
    control_dt = r.number(top["control_dt"], "control_dt")
    if control_dt <= 0:
        r.fail("control_dt", f"must be > 0, not {control_dt:g}")
    horizon = top["horizon"]
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        r.fail("horizon", f"must be a whole number of actions >= 1, not {json.dumps(horizon)}")

    reset = r.obj(top.get("reset", {}), "reset", ("joints", "qvel", "free"))
    reset_joints = r.joint_ranges(reset.get("joints", {}), "reset.joints")
    reset_qvel = r.number(reset.get("qvel", 0.0), "reset.qvel")
    if reset_qvel < 0:
        r.fail("reset.qvel", f"a standard deviation must be >= 0, not {reset_qvel:g}")
    free = reset.get("free", {})
    if not isinstance(free, dict):
        r.fail("reset.free", "must be a placement {xy, z, yaw, vel, angvel} or map free joint "
                             "names to one")
    placement_keys = sum(k in _PLACEMENT_KEYS for k in free)
    if free and placement_keys == len(free):
        reset_free = [_read_placement(r, free, "reset.free", None)]
    elif placement_keys == 0:
        reset_free = [_read_placement(r, placement, f"reset.free.{joint}", joint)
                      for joint, placement in free.items()]
    else:
        r.fail("reset.free", "mixes placement keys (xy, z, yaw, vel, angvel) with joint names; "
                             "give one placement for every free joint, or one per joint name")

    observation = r.obj(top.get("observation", {}), "observation", ("exclude",))
    exclude = observation.get("exclude", [])
    if not isinstance(exclude, list):
        r.fail("observation.exclude", "must be a list of joint names")
    exclude = [r.string(j, f"observation.exclude[{i}]") for i, j in enumerate(exclude)]

    terms = top["reward"]
    if not isinstance(terms, list) or not terms:
        r.fail("reward", "must be a non-empty list of terms")
    reward = [_read_term(r, t, f"reward[{i}]") for i, t in enumerate(terms)]

    terminate = r.joint_ranges(top.get("terminate", {}), "terminate")
    return TaskSpec(path, name, about, control_dt, horizon, reset_joints, reset_qvel,
                    reset_free, exclude, reward, terminate)


def _read_placement(r: _Reader, value: Any, key: str, joint: Optional[str]) -> FreeReset:
    """One free-joint placement; every key optional."""
    value = r.obj(value, key, _PLACEMENT_KEYS)
    spread = {k: r.range(value[k], f"{key}.{k}") for k in ("xy", "z", "yaw") if k in value}
    std = {k: r.number(value[k], f"{key}.{k}") for k in ("vel", "angvel") if k in value}
    for k, s in std.items():
        if s < 0:
            r.fail(f"{key}.{k}", f"a standard deviation must be >= 0, not {s:g}")
    return FreeReset(joint, **spread, **std)


def _read_term(r: _Reader, term: Any, key: str) -> RewardTerm:
    """One entry of "reward"; each kind admits only its own keys."""
    keys = {
        "distance": ("term", "site", "body", "goal", "axes", "weight"),
        "velocity": ("term", "joint", "weight"),
        "ctrl": ("term", "weight"),
        "alive": ("term", "weight"),
    }
    if not isinstance(term, dict):
        r.fail(key, "must be an object")
    kind = term.get("term")
    if kind not in keys:
        r.fail(f"{key}.term", f"is {json.dumps(kind)}; valid terms: {', '.join(keys)}")
    r.obj(term, key, keys[kind])
    if "weight" not in term:
        r.fail(f"{key}.weight", "missing (required)")
    out = RewardTerm(kind, r.number(term["weight"], f"{key}.weight"))
    if kind == "distance":
        if ("site" in term) == ("body" in term):
            r.fail(key, "needs exactly one of \"site\" and \"body\"")
        if "site" in term:
            out.site = r.string(term["site"], f"{key}.site")
        else:
            out.body = r.string(term["body"], f"{key}.body")
        goal = term.get("goal")
        if not isinstance(goal, list) or len(goal) != 3:
            r.fail(f"{key}.goal", f"must be [x, y, z], not {json.dumps(goal)}")
        out.goal = np.array([r.number(g, f"{key}.goal") for g in goal])
        axes = term.get("axes", _AXES)
        if (not isinstance(axes, str) or not axes or any(a not in _AXES for a in axes)
                or len(set(axes)) != len(axes)):
            r.fail(f"{key}.axes", f"is {json.dumps(axes)}; use distinct letters of x, y, z")
        out.axes = tuple(_AXES.index(a) for a in axes)
    elif kind == "velocity":
        out.joint = r.string(term.get("joint"), f"{key}.joint")
    return out


# ---------------------------------------------------------------- the task on one model


class BoundTask:
    """A TaskSpec resolved against one compiled model: ids, addresses, ranges as arrays.

    Everything that can be wrong about the pairing of a task and a model (a missing name, a
    joint of the wrong type, an actuator without ctrlrange, a control period that is not a
    whole number of timesteps) is found here, once, instead of in the middle of training.
    """

    def __init__(self, spec: TaskSpec, model: mujoco.MjModel,
                 source: str = "the model") -> None:
        """source names the model in messages (the world's XML file)."""
        self.spec = spec
        self.model = model
        fail = _Reader(spec.path).fail

        ratio = spec.control_dt / model.opt.timestep
        self.substeps = int(round(ratio))
        if self.substeps < 1 or abs(ratio - self.substeps) > 1e-9 * ratio:
            fail("control_dt", f"{spec.control_dt:g} s is not a whole number of the timestep "
                               f"of {source} ({model.opt.timestep:g} s)")

        limited = model.actuator_ctrllimited.astype(bool)
        lo, hi = model.actuator_ctrlrange[:, 0].copy(), model.actuator_ctrlrange[:, 1].copy()
        for a in range(model.nu):
            if not limited[a] or not lo[a] < hi[a]:
                name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, a) or f"#{a}"
                fail("actions", f"actuator '{name}' of {source} has no ctrlrange, which actions "
                               "map onto")
        self.ctrl_low, self.ctrl_high = lo, hi

        def joint(name: str, key: str, types: Sequence[int], what: str) -> int:
            j = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)
            if j < 0:
                fail(key, f"{source} has no joint '{name}'")
            if int(model.jnt_type[j]) not in [int(t) for t in types]:
                fail(key, f"joint '{name}' is not a {what} joint")
            return j

        hidden = np.zeros(model.nq, bool)
        for i, name in enumerate(spec.exclude):
            j = joint(name, f"observation.exclude[{i}]", list(_QPOS_WIDTH), "known")
            adr = model.jnt_qposadr[j]
            hidden[adr:adr + _QPOS_WIDTH[int(model.jnt_type[j])]] = True
        self.observed_qpos = np.flatnonzero(~hidden)

        # distance terms: (weight, kind of point, id, goal, axes); the point is a site's
        # position or a body frame's origin (xpos, not the centre of mass)
        self.distance: list[tuple[float, bool, int, np.ndarray, np.ndarray]] = []
        self.velocity: list[tuple[float, int]] = []
        self.ctrl_weight = 0.0
        self.alive_weight = 0.0
        for i, term in enumerate(spec.reward):
            key = f"reward[{i}]"
            if term.kind == "distance":
                is_site = term.site is not None
                obj = mujoco.mjtObj.mjOBJ_SITE if is_site else mujoco.mjtObj.mjOBJ_BODY
                name = term.site if is_site else term.body
                ident = mujoco.mj_name2id(model, obj, name)
                if ident < 0:
                    fail(f"{key}.{'site' if is_site else 'body'}",
                         f"{source} has no {'site' if is_site else 'body'} '{name}'")
                self.distance.append((term.weight, is_site, ident, term.goal,
                                      np.array(term.axes, int)))
            elif term.kind == "velocity":
                j = joint(term.joint, f"{key}.joint", _SCALAR_JOINTS, "hinge or slide")
                self.velocity.append((term.weight, int(model.jnt_dofadr[j])))
            elif term.kind == "ctrl":
                self.ctrl_weight += term.weight
            else:
                self.alive_weight += term.weight

        def scalar_ranges(ranges: list[tuple[str, float, float]],
                          key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            adr = [model.jnt_qposadr[joint(n, f"{key}.{n}", _SCALAR_JOINTS, "hinge or slide")]
                   for n, _, _ in ranges]
            return (np.array(adr, int), np.array([r[1] for r in ranges], float),
                    np.array([r[2] for r in ranges], float))

        self.reset_qpos, self.reset_low, self.reset_high = scalar_ranges(
            spec.reset_joints, "reset.joints")
        self.term_qpos, self.term_low, self.term_high = scalar_ranges(
            spec.terminate, "terminate")
        # the named free joints, then (with a placement for every free joint) the others
        named = [f for f in spec.reset_free if f.joint is not None]
        self.reset_free = []
        for f in named:
            j = joint(f.joint, f"reset.free.{f.joint}", (mujoco.mjtJoint.mjJNT_FREE,), "free")
            self.reset_free.append((int(model.jnt_qposadr[j]), int(model.jnt_dofadr[j]), f))
        for every in (f for f in spec.reset_free if f.joint is None):
            for j in range(model.njnt):
                name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, j)
                if (model.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE
                        and name not in {f.joint for f in named}):
                    self.reset_free.append((int(model.jnt_qposadr[j]), int(model.jnt_dofadr[j]),
                                            every))
        scalar = np.isin(model.jnt_type, [int(t) for t in _SCALAR_JOINTS])
        self.reset_qvel_dofs = model.jnt_dofadr[scalar].astype(int)

        self.observation_size = (len(self.observed_qpos) + model.nv
                                 + sum(len(t[4]) for t in self.distance))
        self.action_size = model.nu

    # -- the pieces of a step, each as rl/task.h defines it

    def reset(self, data: mujoco.MjData, rng: np.random.Generator) -> None:
        """mj_resetData, the reset distribution, mj_forward.

        Draws in a fixed order and count (one uniform per listed joint; per placed free joint
        two for xy, one for z when its range is not a point, one for yaw; one normal per dof),
        so that a seed always means the same start.
        """
        m = self.model
        mujoco.mj_resetData(m, data)
        draws = [4 if free.z[0] < free.z[1] else 3 for _, _, free in self.reset_free]
        uniform = rng.random(len(self.reset_qpos) + sum(draws))
        normal = rng.standard_normal(m.nv)
        n = len(self.reset_qpos)
        data.qpos[self.reset_qpos] = (self.reset_low
                                      + (self.reset_high - self.reset_low) * uniform[:n])
        for (adr, dof, free), count in zip(self.reset_free, draws):
            u = list(uniform[n:n + count])
            n += count
            data.qpos[adr:adr + 2] += free.xy[0] + (free.xy[1] - free.xy[0]) * np.array(u[:2])
            data.qpos[adr + 2] += (free.z[0] + (free.z[1] - free.z[0]) * u[2] if count == 4
                                   else free.z[0])
            # a turn about the world z axis after the body's own orientation: turn * q0
            yaw = free.yaw[0] + (free.yaw[1] - free.yaw[0]) * u[-1]
            turn = np.array([math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)])
            turned = np.empty(4)
            mujoco.mju_mulQuat(turned, turn, data.qpos[adr + 3:adr + 7].copy())
            data.qpos[adr + 3:adr + 7] = turned
            # thrown: the normals of the free joint's own dofs
            data.qvel[dof:dof + 3] = free.vel * normal[dof:dof + 3]
            data.qvel[dof + 3:dof + 6] = free.angvel * normal[dof + 3:dof + 6]
        data.qvel[self.reset_qvel_dofs] = self.spec.reset_qvel * normal[self.reset_qvel_dofs]
        mujoco.mj_forward(m, data)

    def apply_action(self, action: np.ndarray, data: mujoco.MjData) -> np.ndarray:
        """Clip to [-1, 1], map linearly onto each ctrlrange; returns the clipped action."""
        clipped = np.clip(action, -1.0, 1.0)
        data.ctrl[:] = self.ctrl_low + 0.5 * (clipped + 1.0) * (self.ctrl_high - self.ctrl_low)
        return clipped

    def _point(self, data: mujoco.MjData, is_site: bool, ident: int) -> np.ndarray:
        return data.site_xpos[ident] if is_site else data.xpos[ident]

    def observe(self, data: mujoco.MjData) -> np.ndarray:
        """qpos less the excluded joints, all qvel, then goal - point per distance term."""
        parts = [data.qpos[self.observed_qpos], data.qvel]
        for _, is_site, ident, goal, axes in self.distance:
            parts.append(goal[axes] - self._point(data, is_site, ident)[axes])
        return np.concatenate(parts).astype(np.float64)

    def terminated(self, data: mujoco.MjData) -> bool:
        """A watched hinge/slide qpos outside its range (or not a number) ends the episode."""
        q = data.qpos[self.term_qpos]
        return bool(not np.all((q >= self.term_low) & (q <= self.term_high)))

    def reward(self, data: mujoco.MjData, clipped: np.ndarray, terminated: bool) -> float:
        """The sum of the terms for the action just taken, on the state it led to."""
        total = 0.0
        for weight, is_site, ident, goal, axes in self.distance:
            diff = self._point(data, is_site, ident)[axes] - goal[axes]
            total += weight * math.sqrt(float(np.dot(diff, diff)))
        for weight, dof in self.velocity:
            total += weight * float(data.qvel[dof])
        total += self.ctrl_weight * float(np.dot(clipped, clipped))
        if not terminated:
            total += self.alive_weight
        return float(total)
