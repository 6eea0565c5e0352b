"""RLlib PPO (the new API stack) on the hybrid world of arm2's reach task, with a local Ray instance
and two env runners: each runner is a Ray actor, a process of its own, that makes the env itself,
so it must import the mjhybrid Gymnasium glue and load the plugin library on its own.

What is checked: two training iterations complete with finite episode returns, and the steps
were taken by the two runner processes (not this one), in the world that carries the
mjhybrid.residual plugin. The budget is tiny: nothing here claims the policy learns the task.
"""

from __future__ import annotations

import math
import os
import pathlib
import sys

import pytest

ray = pytest.importorskip("ray", reason="Ray is pinned in requirements.txt; this environment lacks it")
from ray.rllib.algorithms.ppo import PPOConfig  # noqa: E402
from ray.rllib.callbacks.callbacks import RLlibCallback  # noqa: E402
from ray.tune.registry import register_env  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENV_ID = "mjhybrid/arm2-reach-hybrid-v0"
RLLIB_ENV = "mjhybrid-arm2-reach-hybrid"
HORIZON = 100  # scenes/arm2/task.json
RUNNERS = 2


def make_hybrid_env(env_config):
    """The env creator, run inside each env runner: it imports the glue there (scripts/ is on
    the runners' PYTHONPATH), which registers the ids; the plugin comes from MJHYBRID_PLUGIN."""
    import gymnasium
    import mjhybrid_gym  # noqa: F401
    return gymnasium.make(ENV_ID)


class CountHybridSteps(RLlibCallback):
    """Counts, per process, the steps taken in a world whose model carries the residual plugin."""

    def on_episode_step(self, *, episode, env_runner=None, metrics_logger=None, env=None, env_index=0, **kwargs):
        world = env.unwrapped.envs[env_index].unwrapped if hasattr(env.unwrapped, "envs") else env.unwrapped
        hybrid = world.world == "hybrid" and world.model.nplugin >= 1
        metrics_logger.log_value(("hybrid_steps", str(os.getpid())), int(hybrid), reduce="sum")
        metrics_logger.log_value(("all_steps", str(os.getpid())), 1, reduce="sum")


@pytest.fixture(scope="module")
def local_ray(plugin_library):
    # the runners are processes of this local instance: they inherit this environment, and get
    # it again through the runtime env (what a cluster's nodes would need)
    env_vars = {"MJHYBRID_PLUGIN": plugin_library, "PYTHONPATH": str(ROOT / "scripts")}
    os.environ.update(env_vars)
    # this module's functions go to the runners by value: the runners cannot import a test file
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(address="local", num_cpus=RUNNERS, include_dashboard=False, runtime_env={"env_vars": env_vars},
             log_to_driver=False)
    register_env(RLLIB_ENV, make_hybrid_env)
    yield
    ray.shutdown()


def test_ppo_trains_on_the_hybrid_world_with_two_env_runners(local_ray, tmp_path, monkeypatch):
    # an Algorithm built outside Tune logs into ~/ray_results; here into the test's folder
    import ray.tune.trainable.trainable as trainable
    monkeypatch.setattr(trainable, "DEFAULT_STORAGE_PATH", str(tmp_path))
    config = (
        PPOConfig()
        .environment(RLLIB_ENV)
        .env_runners(num_env_runners=RUNNERS, num_envs_per_env_runner=1, rollout_fragment_length=2 * HORIZON)
        .training(train_batch_size_per_learner=2 * RUNNERS * HORIZON, minibatch_size=100, num_epochs=1)
        .callbacks(CountHybridSteps)
        .debugging(seed=0)
    )
    assert config.enable_rl_module_and_learner and config.enable_env_runner_and_connector_v2  # the new API stack
    algo = config.build_algo()
    try:
        results = [algo.train() for _ in range(2)]
    finally:
        algo.stop()
    for result in results:
        runners = result["env_runners"]
        # whole episodes ended in every iteration: the returns are those of arm2's reach
        # (negative distance and effort costs), finite
        for key in ("episode_return_mean", "episode_return_min", "episode_return_max"):
            assert math.isfinite(runners[key]) and runners[key] < 0, (key, runners[key])
        steps = {pid: int(n) for pid, n in runners["all_steps"].items()}
        hybrid = {pid: int(n) for pid, n in runners["hybrid_steps"].items()}
        # two runner processes took the steps, this process none, all of them in the hybrid world
        assert len(steps) == RUNNERS and str(os.getpid()) not in steps, steps
        assert all(n > 0 for n in steps.values()) and hybrid == steps, (steps, hybrid)
        assert sum(steps.values()) == runners["num_env_steps_sampled"]
    assert results[-1]["training_iteration"] == 2
    assert results[-1]["num_env_steps_sampled_lifetime"] >= 2 * 2 * RUNNERS * HORIZON
