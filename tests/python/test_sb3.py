"""Stable-Baselines3 and Gymnasium's vector environments on the hybrid world of arm2's reach task.

What is checked: SB3's own environment checker accepts mjhybrid/arm2-reach-hybrid-v0; PPO and
SAC train on it, record their episodes, and come back from a saved file acting exactly as
before; Gymnasium's SyncVectorEnv and AsyncVectorEnv (worker processes started by spawn, which
load the plugin themselves from MJHYBRID_PLUGIN, and by fork, which inherit it) reproduce the
single environment bit for bit, autoreset included; and SB3's SubprocVecEnv trains PPO exactly
as its in-process DummyVecEnv does.

Budgets are small (a few thousand steps), so nothing here claims the policies learn the task;
scripts/sb3_vs_own.py measures that.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import sys
import warnings

import gymnasium
import numpy as np
import pytest
import torch
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.env_checker import check_env
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENV_ID = "mjhybrid/arm2-reach-hybrid-v0"


def import_envs() -> str:
    """Import the module that registers the mjhybrid/ ids; return its name.

    That module is scripts/mjhybrid_gym.py, imported as test_gym_env.py does; while it is being
    turned into the package `mjhybrid` (python/mjhybrid), the package is the fallback.
    """
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import mjhybrid_gym  # noqa: F401
    except ModuleNotFoundError:
        sys.path.insert(0, str(ROOT / "python"))
        import mjhybrid  # noqa: F401
    entry = gymnasium.spec(ENV_ID).entry_point
    return entry.split(":")[0] if isinstance(entry, str) else entry.__module__


# "module:id" makes gymnasium.make import that module first, so that a worker process started
# by spawn, which has imported nothing, has the id registered before it makes the env (spawn
# hands the workers this process's sys.path)
WORKER_ENV_ID = f"{import_envs()}:{ENV_ID}"
HORIZON = json.loads((ROOT / "scenes" / "arm2" / "task.json").read_text())["horizon"]

# The networks here are tiny: torch's thread pool costs more than it gains on them and competes
# with the other CTest tests for the machine's cores.
torch.set_num_threads(1)

# the built plugin, loaded once per session (conftest.py); worker processes read the same path
# from MJHYBRID_PLUGIN, which they inherit
pytestmark = pytest.mark.usefixtures("plugin_library")


def parameters(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.policy.state_dict().items()}


def test_sb3_env_checker_accepts_the_hybrid_world():
    env = gymnasium.make(ENV_ID)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, warn=True)
    # unbounded velocities are expected; anything else the checker says is a finding
    others = [str(w.message) for w in caught if "infinity" not in str(w.message)]
    assert not others, others
    env.close()


# ---------------------------------------------------------------- PPO and SAC, one environment

ALGORITHMS = {
    # a few updates of small networks: enough to run every part of training, quick on 2 cores
    "ppo": (PPO, dict(n_steps=512, batch_size=128, n_epochs=4), 4096),
    "sac": (SAC, dict(learning_starts=300, batch_size=64, buffer_size=5000), 2000),
}


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_train_save_load_predict(name, tmp_path):
    cls, kwargs, steps = ALGORITHMS[name]
    env = Monitor(gymnasium.make(ENV_ID))  # Monitor records the episodes SB3 reports
    model = cls("MlpPolicy", env, seed=0, device="cpu",
                policy_kwargs=dict(net_arch=[32, 32]), **kwargs)
    before = parameters(model)
    model.learn(total_timesteps=steps)
    assert model.num_timesteps == steps

    # arm2 reach never terminates: every episode is truncated at the horizon, and its reward,
    # minus a distance and a control cost, is negative at every step
    episodes = list(model.ep_info_buffer)
    assert len(episodes) == steps // HORIZON
    assert all(e["l"] == HORIZON for e in episodes), episodes
    assert all(np.isfinite(e["r"]) and e["r"] < 0 for e in episodes), episodes

    after = parameters(model)
    assert any(not torch.equal(before[k], after[k]) for k in before), "training changed nothing"

    # observations of a few fresh episodes and a few steps into one
    observations = [env.reset(seed=s)[0] for s in range(5)]
    for _ in range(10):
        observations.append(env.step(env.action_space.sample())[0])
    observations = np.stack(observations)
    actions, _ = model.predict(observations, deterministic=True)
    assert actions.shape == (len(observations), 2) and actions.dtype == np.float32
    assert np.all(np.isfinite(actions))
    assert all(env.action_space.contains(a) for a in actions)
    again, _ = model.predict(observations, deterministic=True)
    np.testing.assert_array_equal(again, actions)

    path = tmp_path / f"{name}.zip"
    model.save(path)
    loaded = cls.load(path, device="cpu")
    loaded_actions, _ = loaded.predict(observations, deterministic=True)
    np.testing.assert_array_equal(loaded_actions, actions)
    reloaded = parameters(loaded)
    assert all(torch.equal(after[k], reloaded[k]) for k in after)
    env.close()


# ---------------------------------------------------------------- Gymnasium's vector envs

SEEDS = [11, 12]


def make_vector(kind: str):
    fns = [functools.partial(gymnasium.make, WORKER_ENV_ID)] * len(SEEDS)
    if kind == "sync":
        return SyncVectorEnv(fns)
    return AsyncVectorEnv(fns, context=kind.removeprefix("async-"))


@pytest.mark.parametrize("kind", ["sync", "async-spawn", "async-fork"])
def test_vector_env_reproduces_single_envs_bit_for_bit(kind):
    """Each copy steps as a single env with its seed, through two episodes and Gymnasium's
    default autoreset (NEXT_STEP: the step after an episode's end resets that copy, ignores its
    action and returns the new episode's first observation with reward 0)."""
    venv = make_vector(kind)
    assert venv.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    # every worker made the hybrid world, which compiles only where the plugin is registered
    assert list(venv.get_attr("world")) == ["hybrid"] * len(SEEDS)
    singles = [gymnasium.make(ENV_ID) for _ in SEEDS]

    obs, _ = venv.reset(seed=SEEDS)
    expected = [env.reset(seed=s)[0] for env, s in zip(singles, SEEDS)]
    assert obs.tobytes() == np.stack(expected).tobytes()

    rng = np.random.default_rng(0)
    ended = [False] * len(SEEDS)
    ends, restarts = [], []
    for t in range(2 * HORIZON + 5):
        actions = rng.uniform(-1, 1, (len(SEEDS), 2)).astype(np.float32)
        obs, reward, terminated, truncated, _ = venv.step(actions)
        for i, env in enumerate(singles):
            if ended[i]:
                o, r, te, tr = env.reset()[0], 0.0, False, False
                restarts.append((t, i, o))
            else:
                o, r, te, tr, _ = env.step(actions[i])
            assert obs[i].tobytes() == o.tobytes(), (t, i)
            assert reward[i] == r and terminated[i] == te and truncated[i] == tr, (t, i)
            ended[i] = te or tr
            if ended[i]:
                ends.append((t, i, o))
    venv.close()

    # the episodes end at the horizon, both copies together; the step after restarts them in
    # a new state, and the second episode ends a horizon after that step
    assert [(t, i) for t, i, _ in ends] == [(HORIZON - 1, 0), (HORIZON - 1, 1),
                                            (2 * HORIZON, 0), (2 * HORIZON, 1)]
    assert [(t, i) for t, i, _ in restarts] == [(HORIZON, 0), (HORIZON, 1),
                                                (2 * HORIZON + 1, 0), (2 * HORIZON + 1, 1)]
    for (_, i, last), (_, j, first) in zip(ends, restarts):
        assert i == j and not np.array_equal(last, first)
    # the copies were seeded differently and stay different
    assert not np.array_equal(restarts[0][2], restarts[1][2])


# ---------------------------------------------------------------- SB3's vector envs


def test_sb3_subproc_vec_env_trains_as_dummy_vec_env():
    """PPO through SubprocVecEnv (2 worker processes, spawned: each loads the plugin) and
    through the in-process DummyVecEnv, same seeds: the same episodes and the same weights."""
    results = {}
    for cls, kwargs in ((SubprocVecEnv, dict(start_method="spawn")), (DummyVecEnv, {})):
        venv = make_vec_env(WORKER_ENV_ID, n_envs=2, seed=0, vec_env_cls=cls,
                            vec_env_kwargs=kwargs)
        if cls is SubprocVecEnv:
            assert all(p.is_alive() and p.pid != os.getpid() for p in venv.processes)
        model = PPO("MlpPolicy", venv, n_steps=128, batch_size=64, n_epochs=2, seed=0,
                    device="cpu", policy_kwargs=dict(net_arch=[32, 32]))
        model.learn(total_timesteps=512)
        assert model.num_timesteps == 512
        results[cls.__name__] = ([(e["r"], e["l"]) for e in model.ep_info_buffer],
                                 parameters(model))
        venv.close()

    episodes, weights = results["SubprocVecEnv"]
    # 256 steps in each copy: two whole episodes each
    assert len(episodes) == 4 and all(length == HORIZON for _, length in episodes)
    assert episodes == results["DummyVecEnv"][0]
    dummy_weights = results["DummyVecEnv"][1]
    assert all(torch.equal(weights[k], dummy_weights[k]) for k in weights)
