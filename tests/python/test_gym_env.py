"""The Gymnasium environment of scripts/mjhybrid_gym.py on the shipped scenes' tasks.

The plugin library comes from MJHYBRID_PLUGIN (CTest sets it), else from the build tree;
the hybrid-world tests are skipped when neither has it. Everything else runs the real
scenes: rewards and observations are recomputed here from mjData, not from the module.
"""

from __future__ import annotations

import copy
import json
import os
import pathlib
import shutil
import sys
import warnings

import gymnasium
import mujoco
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import mjhybrid_gym  # noqa: E402
from mjhybrid_gym import MjhybridEnv  # noqa: E402
from test_residual_plugin import RandomResidual, hybrid_xml  # noqa: E402

SCENES = ROOT / "scenes"
PLUGIN = os.environ.get("MJHYBRID_PLUGIN") or str(mjhybrid_gym.DEFAULT_PLUGIN_LIBRARY)
needs_plugin = pytest.mark.skipif(not os.path.isfile(PLUGIN),
                                  reason=f"{PLUGIN} is not built")
TASKS = {"arm2": "reach", "push": "push-to-goal", "hopper": "forward"}


def make(scene: str, world: str) -> MjhybridEnv:
    return MjhybridEnv(SCENES / scene, world, plugin_library=PLUGIN)


def one_line_value_error(excinfo: pytest.ExceptionInfo, *parts: str) -> str:
    message = str(excinfo.value)
    assert "\n" not in message, message
    for part in parts:
        assert part in message, (part, message)
    return message


# ---------------------------------------------------------------- Gymnasium's own checks


@pytest.mark.parametrize("scene, world", [
    pytest.param("arm2", "hybrid", marks=needs_plugin), ("push", "sim"), ("hopper", "real")])
def test_check_env_passes(scene, world):
    env = gymnasium.make(f"mjhybrid/{scene}-{TASKS[scene]}-{world}-v0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # rendering needs an OpenGL context, which test machines do not have
        check_env(env.unwrapped, skip_render_check=True)
    # the only thing the checker may remark on is that velocities are unbounded
    others = [str(w.message) for w in caught if "infinity" not in str(w.message)]
    assert not others, others
    assert env.unwrapped.observation_space.dtype == np.float64
    assert env.unwrapped.action_space.dtype == np.float32
    env.close()


def test_every_shipped_task_is_registered_on_every_world():
    ids = {i for i in gymnasium.registry if i.startswith("mjhybrid/")}
    expected = {f"mjhybrid/{s}-{t}-{w}-v0" for s, t in TASKS.items()
                for w in ("sim", "hybrid", "real")}
    assert expected <= ids
    assert not any("toss" in i for i in ids)  # toss ships no task.json


# ---------------------------------------------------------------- the task's rules


def test_arm2_truncates_exactly_at_the_horizon():
    env = make("arm2", "sim")
    horizon = json.loads((SCENES / "arm2" / "task.json").read_text())["horizon"]
    env.reset(seed=3)
    env.action_space.seed(3)
    for k in range(1, horizon + 1):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        assert not terminated
        assert truncated == (k == horizon), k
    assert env.data.time == pytest.approx(horizon * 0.02)


@needs_plugin
def test_arm2_reward_and_observation_from_mjdata():
    env = make("arm2", "hybrid")
    goal = np.array([0.3, 0.0, 0.3])
    env.reset(seed=4)
    site = mujoco.mj_name2id(env.model, mujoco.mjtObj.mjOBJ_SITE, "tip")
    rng = np.random.default_rng(4)
    for _ in range(30):
        action = rng.uniform(-1.5, 1.5, 2)  # partly outside [-1, 1]: the penalty is clipped
        obs, reward, *_ = env.step(action)
        tip = env.data.site_xpos[site]
        a = np.clip(action, -1, 1)
        expected = -np.hypot(tip[0] - goal[0], tip[2] - goal[2]) - 0.01 * np.sum(a * a)
        assert reward == pytest.approx(expected, rel=1e-12, abs=1e-12)
        np.testing.assert_array_equal(
            obs, np.concatenate([env.data.qpos, env.data.qvel, (goal - tip)[[0, 2]]]))


def test_hopper_terminates_when_it_falls_and_alive_stops_counting():
    env = make("hopper", "sim")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (5 + 6,)  # rootx's qpos is not observed
    for k in range(1, 1001):
        obs, reward, terminated, truncated, _ = env.step(np.zeros(3))
        rootz, rooty, rootx_vel = env.data.qpos[1], env.data.qpos[2], env.data.qvel[0]
        np.testing.assert_array_equal(obs, np.concatenate([env.data.qpos[1:], env.data.qvel]))
        fallen = not (0.7 <= rootz <= 100.0 and -0.2 <= rooty <= 0.2)
        assert terminated == fallen
        # velocity + alive (only while standing) - ctrl (zero here)
        assert reward == pytest.approx(rootx_vel + (0.0 if fallen else 1.0), abs=1e-12)
        if terminated:
            break
    assert terminated and not truncated, "with no torques the hopper must fall"
    assert k < 1000


def test_actions_outside_the_box_are_clipped():
    env = make("arm2", "sim")
    env.reset(seed=5)
    state = env.get_state()
    obs_big, reward_big, *_ = env.step(np.array([5.0, -7.0]))
    np.testing.assert_array_equal(env.data.ctrl, [3.0, -1.5])
    env.set_state(state)
    obs_one, reward_one, *_ = env.step(np.array([1.0, -1.0]))
    assert obs_big.tobytes() == obs_one.tobytes() and reward_big == reward_one
    # inside the box the map onto ctrlrange [-3, 3] x [-1.5, 1.5] is linear
    env.step(np.array([0.5, -0.25], np.float32))
    np.testing.assert_allclose(env.data.ctrl, [1.5, -0.375], rtol=1e-7)


def test_reset_distribution_of_a_free_body():
    env = make("push", "sim")
    model = env.model
    jnt = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, "object")
    adr = model.jnt_qposadr[jnt]
    pusher = [model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, n)]
              for n in ("pusher_x", "pusher_y")]
    yaws = []
    for seed in range(20):
        env.reset(seed=seed)
        q = env.data.qpos
        offset = q[adr:adr + 3] - model.qpos0[adr:adr + 3]
        assert np.all(np.abs(offset[:2]) <= 0.01) and offset[2] == 0
        w, x, y, z = q[adr + 3:adr + 7]
        assert x == 0 and y == 0 and w * w + z * z == pytest.approx(1)  # a turn about z
        yaws.append(2 * np.arctan2(z, w))
        assert -0.01 <= q[pusher[0]] <= 0.01 and -0.075 <= q[pusher[1]] <= -0.065
        assert np.all(env.data.qvel == 0)  # reset.qvel is 0 here
    assert min(yaws) >= -0.2 and max(yaws) <= 0.2 and np.ptp(yaws) > 0.1


def test_reset_grammar_is_scene_jsons_one_placement_for_every_free_joint(tmp_path):
    """task.json's reset reads the grammar of scene.json's collect (scene/episode_start.h), as the
    C++ task does: a placement for every free joint may raise it and throw it."""
    folder = scene_copy(tmp_path, "push")
    task = json.loads((folder / "task.json").read_text())
    task["reset"]["free"] = {"xy": [0.01, 0.02], "z": [0.003, 0.004], "vel": 0.5}
    (folder / "task.json").write_text(json.dumps(task))
    env = MjhybridEnv(folder, "sim")
    model = env.model
    jnt = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, "object")
    adr, dof = model.jnt_qposadr[jnt], model.jnt_dofadr[jnt]
    for seed in range(10):
        env.reset(seed=seed)
        offset = env.data.qpos[adr:adr + 3] - model.qpos0[adr:adr + 3]
        assert np.all((offset[:2] >= 0.01 - 1e-12) & (offset[:2] <= 0.02 + 1e-12)), offset
        assert 0.003 - 1e-12 <= offset[2] <= 0.004 + 1e-12, offset
        assert np.all(env.data.qvel[dof:dof + 3] != 0)  # thrown with vel 0.5
        assert np.all(env.data.qvel[dof + 3:dof + 6] == 0)  # no angvel given
    task["reset"]["free"] = {"xy": [0, 1], "object": {"xy": [0, 1]}}
    (folder / "task.json").write_text(json.dumps(task))
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(folder, "sim")
    one_line_value_error(excinfo, "task.json", "reset.free")


# ---------------------------------------------------------------- state round trips


def replay(env: MjhybridEnv, actions: np.ndarray) -> list[tuple]:
    out = []
    for a in actions:
        obs, reward, terminated, truncated, info = env.step(a)
        out.append((obs.tobytes(), reward, terminated, truncated, info))
    return out


@needs_plugin
@pytest.mark.parametrize("scene", ["arm2", "push"])
def test_state_round_trip_is_bit_identical_on_the_hybrid_world(scene):
    env = make(scene, "hybrid")
    env.reset(seed=6)
    rng = np.random.default_rng(6)
    replay(env, rng.uniform(-1, 1, (5, env.model.nu)))
    state = env.get_state()
    actions = rng.uniform(-1, 1, (10, env.model.nu))
    first = replay(env, actions)
    env.set_state(state)
    assert replay(env, actions) == first
    # a second environment of the same world, set to the saved state, agrees as well
    other = make(scene, "hybrid")
    other.reset(seed=99)
    other.set_state(state)
    assert replay(other, actions) == first


@needs_plugin
def test_qpos_and_qvel_alone_do_not_restore_the_hybrid_world():
    """arm2's residual sees the last 8 controls (models/arm2/MODEL_CARD.md), which live in
    plugin_state: restoring qpos/qvel only gives a different next step."""
    env = make("arm2", "hybrid")
    history = env.model.plugin_statenum[0] - 5  # plugin_state.h: a step counter and 4 diagnostics
    assert history == 8 * env.model.nu
    env.reset(seed=7)
    replay(env, np.full((3, 2), 0.9))
    qpos, qvel, time = env.data.qpos.copy(), env.data.qvel.copy(), env.data.time
    assert np.any(env.data.plugin_state[:history] != 0)
    action = np.array([-0.8, 0.6])
    expected = replay(env, [action])[0]
    env.reset(seed=7)
    env.data.qpos[:], env.data.qvel[:], env.data.time = qpos, qvel, time
    mujoco.mj_forward(env.model, env.data)
    assert replay(env, [action])[0][0] != expected[0]


# ---------------------------------------------------------------- diagnostics


def scene_copy(tmp_path: pathlib.Path, scene: str = "arm2") -> pathlib.Path:
    folder = tmp_path / scene
    folder.mkdir()
    for name in ("sim.xml", "task.json"):
        shutil.copy(SCENES / scene / name, folder / name)
    return folder


@needs_plugin
def test_disagreement_is_the_ensemble_spread_over_the_action(tmp_path):
    folder = scene_copy(tmp_path)
    env_sim = MjhybridEnv(folder, "sim")
    residual = RandomResidual(env_sim.model, ctrl_history=2, members=3, seed=8)
    path = residual.save(tmp_path / "ensemble.safetensors")
    (folder / "hybrid.xml").write_text(hybrid_xml((folder / "sim.xml").read_text(), str(path)))
    env = MjhybridEnv(folder, "hybrid", plugin_library=PLUGIN)
    m = env.model
    spread_last = m.plugin_stateadr[0] + m.plugin_statenum[0] - 2  # plugin_state.h
    env.reset(seed=8)
    rng = np.random.default_rng(8)
    for _ in range(5):
        action = rng.uniform(-1, 1, 2)
        # the same action stepped by hand on a copy, reading the spread after each step
        data = copy.copy(env.data)
        low, high = m.actuator_ctrlrange.T
        data.ctrl[:] = low + 0.5 * (action + 1) * (high - low)
        spreads = []
        for _ in range(env.task.substeps):
            mujoco.mj_step(m, data)
            spreads.append(data.plugin_state[spread_last])
        obs, _, _, _, info = env.step(action)
        assert obs.tobytes() == np.concatenate(
            [data.qpos, data.qvel, obs[-2:]]).tobytes()
        assert info["disagreement"] > 0
        assert info["disagreement"] == pytest.approx(np.mean(spreads), rel=1e-9)
    env_sim.reset(seed=8)
    assert env_sim.step(np.zeros(2))[4]["disagreement"] == 0.0


def test_divergence_raises_runtime_error_naming_scene_and_world(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MuJoCo logs the warning to MUJOCO_LOG.TXT in the cwd
    env = make("arm2", "real")
    env.reset(seed=9)
    env.data.qvel[:] = np.nan
    with pytest.raises(RuntimeError, match=r"arm2 \(real world\).*diverged") as excinfo:
        env.step(np.zeros(2))
    assert "\n" not in str(excinfo.value)


# ---------------------------------------------------------------- bad input


def test_unknown_world_and_render_mode():
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(SCENES / "arm2", "mars")
    one_line_value_error(excinfo, "mars", "sim, hybrid, real")
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(SCENES / "arm2", "sim", render_mode="human")
    one_line_value_error(excinfo, "human")


def test_scene_without_task_or_world_file(tmp_path):
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(SCENES / "toss", "sim")
    one_line_value_error(excinfo, str(SCENES / "toss" / "task.json"))
    folder = scene_copy(tmp_path)
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(folder, "real")
    one_line_value_error(excinfo, str(folder / "real.xml"))


ARM2_TASK = json.loads((SCENES / "arm2" / "task.json").read_text())


def edited(change) -> dict:
    task = copy.deepcopy(ARM2_TASK)
    change(task)
    return task


BAD_TASKS = {
    "unknown top key": (edited(lambda t: t.update(horizn=100)), "horizn"),
    "unknown reset key": (edited(lambda t: t["reset"].update(qpos=0.1)), "reset.qpos"),
    "unknown term key": (edited(lambda t: t["reward"][1].update(wieght=1)), "reward[1].wieght"),
    "unknown term": (edited(lambda t: t["reward"][1].update(term="energy")), "reward[1].term"),
    "missing site": (edited(lambda t: t["reward"][0].update(site="tipp")), "reward[0].site"),
    "missing joint": (edited(lambda t: t["reset"]["joints"].update(wrist=[0, 1])),
                      "reset.joints.wrist"),
    "empty range": (edited(lambda t: t["reset"]["joints"].update(elbow=[0.1, -0.1])),
                    "reset.joints.elbow"),
    "bad axes": (edited(lambda t: t["reward"][0].update(axes="xx")), "reward[0].axes"),
    "control_dt": (edited(lambda t: t.update(control_dt=0.0125)), "control_dt"),
    "horizon": (edited(lambda t: t.update(horizon=10.5)), "horizon"),
}


@pytest.mark.parametrize("case", sorted(BAD_TASKS))
def test_bad_task_file_raises_one_line_naming_file_and_key(tmp_path, case):
    task, key = BAD_TASKS[case]
    folder = scene_copy(tmp_path)
    (folder / "task.json").write_text(json.dumps(task))
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(folder, "sim")
    one_line_value_error(excinfo, str(folder / "task.json"), key)


def test_duplicate_key_and_unlimited_actuator(tmp_path):
    folder = scene_copy(tmp_path)
    text = (folder / "task.json").read_text()
    twice = text.replace('"horizon": 100', '"horizon": 100, "horizon": 5')
    (folder / "task.json").write_text(twice)
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(folder, "sim")
    one_line_value_error(excinfo, "task.json", "horizon")

    (folder / "task.json").write_text(text)
    sim = (folder / "sim.xml").read_text()
    unlimited = sim.replace('ctrlrange="-1.5 1.5" ctrllimited="true"', 'ctrllimited="false"')
    assert unlimited != sim
    (folder / "sim.xml").write_text(unlimited)
    with pytest.raises(ValueError) as excinfo:
        MjhybridEnv(folder, "sim")
    one_line_value_error(excinfo, "task.json", "elbow")
