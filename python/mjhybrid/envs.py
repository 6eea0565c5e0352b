"""Gymnasium environments for mjhybrid's scenes: a scene's task on any of its worlds.

A scene folder holds three worlds that share names and the qpos/qvel layout: ``sim.xml``
(the nominal model), ``hybrid.xml`` (the nominal model plus the ``mjhybrid.residual``
plugin) and ``real.xml`` (the stand-in for the real system), and a ``task.json`` that says
what a policy is asked to do. The task format is the one of ``rl/task.h``; ``mjhybrid.task``
is its Python implementation, kept to the same rules as the C++ one so that a policy trained
here sees the same observations, rewards and episode ends as one trained there.

    import gymnasium, mjhybrid              # registers mjhybrid/SCENE-TASK-WORLD-v0
    env = gymnasium.make("mjhybrid/arm2-reach-hybrid-v0")

or, for a scene outside the package, ``mjhybrid.MjhybridEnv("path/to/scene", "sim")``.

The residual plugin is loaded into MuJoCo's Python bindings once per process, from
``plugin_library``, else ``$MJHYBRID_PLUGIN``, else the package's own library.
"""

from __future__ import annotations

import json
import os
import pathlib
import warnings
from typing import Any, Optional

import gymnasium
import mujoco
import numpy as np
from gymnasium import spaces

from ._loading import _one_line, load_model
from ._paths import DATA_ROOT
from ._plugin import load_plugin
from .task import BoundTask, load_task_spec

WORLDS = ("sim", "hybrid", "real")
ENV_NAMESPACE = "mjhybrid"

# The plugin's slice of plugin_state ends with four diagnostics (plugin/core/plugin_state.h):
# saturated features (last step, total), ensemble disagreement (last step, total), after the
# control history, a held correction (models trained at a control period of several physics
# steps) and a step counter. Counted from the end of the slice, so the layout does not depend
# on what comes before.
_DIAGNOSTICS = 5  # the slots after the history
_SATURATED_TOTAL_FROM_END = 3
_SPREAD_TOTAL_FROM_END = 1

# MuJoCo resets mjData itself when it finds a bad qpos, qvel or qacc and only counts a
# warning, so a diverged simulation does not necessarily show non-finite numbers: these
# counters are watched as well.
_DIVERGENCE_WARNINGS = (
    mujoco.mjtWarning.mjWARN_BADQPOS,
    mujoco.mjtWarning.mjWARN_BADQVEL,
    mujoco.mjtWarning.mjWARN_BADQACC,
)


# ---------------------------------------------------------------- the environment


class MjhybridEnv(gymnasium.Env):
    """A scene's task (task.json) on one of its worlds: "sim", "hybrid" or "real".

    Observations are float64 (MuJoCo's own precision, so nothing is lost before the
    policy); actions are float32 in [-1, 1] per actuator (the dtype RL libraries and
    gymnasium's checker expect), clipped and mapped onto each actuator's ctrlrange. One
    action is held for control_dt, a whole number of the world's timesteps, so the three
    worlds, whose timesteps differ, run the same task at the same control rate.

    ``info`` of every step carries "disagreement", the residual ensemble's spread averaged
    over the action's physics steps (normalized output units; 0 where the world has no
    residual or the residual is a single network), and "saturated", the number of features
    the residual clamped to its training range during the action; both tell when a policy
    drives the hybrid world where the learned model is not to be trusted.
    """

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, scene: str | os.PathLike, world: str = "hybrid",
                 render_mode: Optional[str] = None,
                 plugin_library: Optional[str | os.PathLike] = None) -> None:
        super().__init__()
        folder = pathlib.Path(scene)
        if world not in WORLDS:
            raise ValueError(f"{folder}: unknown world {world!r}; valid worlds: "
                             f"{', '.join(WORLDS)}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode {render_mode!r} is not supported; valid modes: "
                             "None, 'rgb_array'")
        xml = folder / f"{world}.xml"
        task_path = folder / "task.json"
        if not xml.is_file():
            raise ValueError(f"{xml}: the scene has no {world} world (no such file)")
        if not task_path.is_file():
            raise ValueError(f"{task_path}: the scene has no task (no such file)")

        self.scene = folder.resolve().name
        self.world = world
        spec = load_task_spec(task_path)
        self._plugin_slot = load_plugin(plugin_library, required=world == "hybrid")
        self.model = load_model(xml)
        try:
            self.data = mujoco.MjData(self.model)
        except (ValueError, mujoco.FatalError) as e:
            raise ValueError(f"{xml}: {_one_line(e)}") from None
        self.task = BoundTask(spec, self.model, xml.name)

        # where the residual's diagnostics are in plugin_state: the slices of this
        # world's mjhybrid.residual instances that have a model (mode off without a model
        # keeps no state)
        m = self.model
        self._spread_index: list[int] = []
        self._saturated_index: list[int] = []
        for i in range(m.nplugin):
            size = int(m.plugin_statenum[i])
            if int(m.plugin[i]) == self._plugin_slot and size >= _DIAGNOSTICS:
                end = int(m.plugin_stateadr[i]) + size
                self._spread_index.append(end - _SPREAD_TOTAL_FROM_END)
                self._saturated_index.append(end - _SATURATED_TOTAL_FROM_END)

        self.render_mode = render_mode
        self.metadata = {"render_modes": ["rgb_array"], "render_fps": 1.0 / spec.control_dt}
        self.action_space = spaces.Box(-1.0, 1.0, (self.task.action_size,), np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, (self.task.observation_size,),
                                            np.float64)
        self._state_spec = mujoco.mjtState.mjSTATE_INTEGRATION
        self._state_size = mujoco.mj_stateSize(m, self._state_spec)
        self._elapsed = 0
        self._ready = False
        self._renderer: Optional[mujoco.Renderer] = None

    # -- Gymnasium's API

    def reset(self, *, seed: Optional[int] = None,
              options: Optional[dict[str, Any]] = None) -> tuple[np.ndarray, dict[str, Any]]:
        """A fresh episode from the task's reset distribution, drawn from self.np_random."""
        super().reset(seed=seed)
        if options:
            raise ValueError(f"reset options {sorted(options)} are not supported; "
                             "use set_state() to start from a given state")
        self.task.reset(self.data, self.np_random)
        self._elapsed = 0
        self._ready = True
        return self._observe(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Hold the action for control_dt; reward, termination and truncation of the task."""
        if not self._ready:
            raise RuntimeError(f"{self._name()}: call reset() before step()")
        a = np.asarray(action, dtype=np.float64)
        if a.shape != (self.task.action_size,):
            raise ValueError(f"{self._name()}: the action has shape {a.shape}, "
                             f"expected ({self.task.action_size},)")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{self._name()}: the action is not finite: {a.tolist()}")
        m, d = self.model, self.data
        clipped = self.task.apply_action(a, d)

        spread0 = float(d.plugin_state[self._spread_index].sum())
        saturated0 = float(d.plugin_state[self._saturated_index].sum())
        bad0 = [int(d.warning[int(w)].number) for w in _DIVERGENCE_WARNINGS]
        mujoco.mj_step(m, d, nstep=self.task.substeps)
        self._elapsed += 1

        bad = [int(d.warning[int(w)].number) for w in _DIVERGENCE_WARNINGS]
        observation = self._observe()
        if bad != bad0 or not np.all(np.isfinite(observation)):
            self._ready = False
            why = ("MuJoCo found a bad qpos, qvel or qacc and reset the data" if bad != bad0
                   else "the observation is not finite")
            raise RuntimeError(f"{self._name()}: the simulation diverged at t = {d.time:.4g} s "
                               f"({why}); call reset()")

        terminated = self.task.terminated(d)
        reward = self.task.reward(d, clipped, terminated)
        truncated = self._elapsed >= self.task.spec.horizon
        info = {
            "disagreement": (float(d.plugin_state[self._spread_index].sum()) - spread0)
            / self.task.substeps,
            "saturated": int(round(float(d.plugin_state[self._saturated_index].sum())
                                   - saturated0)),
        }
        return observation, reward, terminated, truncated, info

    def render(self) -> Optional[np.ndarray]:
        """An RGB frame of the current state from the scene's default camera (rgb_array)."""
        if self.render_mode is None:
            return None
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model)
        self._renderer.update_scene(self.data)
        return self._renderer.render()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # -- whole simulation state, plugin included

    def get_state(self) -> np.ndarray:
        """The whole integration state, as one float64 array for set_state().

        mjSTATE_INTEGRATION: mjSTATE_FULLPHYSICS (time, qpos, qvel, act, history buffers and
        plugin_state) plus the solver's warm start and the user inputs. plugin_state holds
        the residual's control history (an input of the network) and its diagnostics, so a
        restored hybrid world steps as the original would have, where qpos and qvel alone
        would not; the warm start makes that bit-exact under contact too (push, hopper),
        where FULLPHYSICS alone leaves the constraint solver a different starting point.
        """
        state = np.empty(self._state_size)
        mujoco.mj_getState(self.model, self.data, state, self._state_spec)
        return state

    def set_state(self, state: np.ndarray) -> np.ndarray:
        """Restore get_state()'s array; returns the observation of the restored state.

        The episode's action count is taken from the restored time (time / control_dt), so
        truncation happens where it would have in the episode the state came from.
        """
        state = np.asarray(state, dtype=np.float64)
        if state.shape != (self._state_size,):
            raise ValueError(f"{self._name()}: a state has {self._state_size} values, "
                             f"not shape {state.shape}")
        mujoco.mj_setState(self.model, self.data, state, self._state_spec)
        mujoco.mj_forward(self.model, self.data)
        self._elapsed = int(round(self.data.time / self.task.spec.control_dt))
        self._ready = True
        return self._observe()

    # -- helpers

    def _observe(self) -> np.ndarray:
        return self.task.observe(self.data)

    def _name(self) -> str:
        return f"mjhybrid {self.scene} ({self.world} world)"


# ---------------------------------------------------------------- registration


def env_id(scene: str, task: str, world: str) -> str:
    """The Gymnasium id of a scene's task on one world, e.g. mjhybrid/arm2-reach-hybrid-v0."""
    return f"{ENV_NAMESPACE}/{scene}-{task}-{world}-v0"


def register_envs(root: str | os.PathLike = DATA_ROOT) -> list[str]:
    """Register every scene under root/scenes that has a task.json, on each of its worlds.

    ``import mjhybrid`` calls it for the shipped scenes (Gymnasium 1.x reads no entry points;
    ``gymnasium.make("mjhybrid:mjhybrid/arm2-reach-hybrid-v0")`` imports the package itself),
    and the package declares it as its ``gymnasium.envs`` entry point for the releases that do.

    Only the task's name is read here, so that importing this module stays cheap and a
    scene being edited does not break it; the full check runs when the env is made. Ids
    registered already are left as they are (importing twice must not warn).
    """
    ids = []
    scenes = pathlib.Path(root) / "scenes"
    for task_path in sorted(scenes.glob("*/task.json")):
        try:
            task = json.loads(task_path.read_text())["task"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            warnings.warn(f"{task_path}: not registered ({_one_line(e)})", stacklevel=2)
            continue
        folder = task_path.parent
        for world in WORLDS:
            if not (folder / f"{world}.xml").is_file():
                continue
            name = env_id(folder.name, task, world)
            if name not in gymnasium.registry:
                gymnasium.register(id=name, entry_point="mjhybrid.envs:MjhybridEnv",
                                   kwargs={"scene": str(folder), "world": world})
            ids.append(name)
    return ids

