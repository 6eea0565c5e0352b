#!/usr/bin/env python3
"""Steps per second of the Gymnasium environments, beside Gymnasium's own Hopper-v5.

Hopper-v5 is the number Gymnasium users know; mjhybrid's hopper scene runs the same hopper.xml
at the same 2 ms RK4 step and 4 physics steps per action, so its "sim" world is the like-for-like
baseline and its "hybrid" world shows what the residual costs from Python. One environment,
random actions in [-1, 1] from a fixed seed, reset whenever an episode ends (the resets are
counted in, as in training). The environments are timed in turn, `--repeats` times, and the
median of each is printed, so that a change in machine load hits all of them alike. A second
table gives each world's workload along its own random-action episodes (episode length,
contacts and constraint rows per action), which is where two worlds of a scene differ.

    .venv/bin/python scripts/bench_gym.py [--steps 20000] [--repeats 5] [--scenes hopper,arm2,push]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import gymnasium
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python"))
import mjhybrid  # noqa: E402  (registers mjhybrid/SCENE-TASK-WORLD-v0)

TASKS = {"hopper": "forward", "arm2": "reach", "push": "push-to-goal"}


def random_actions(env: gymnasium.Env, steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low, high = env.action_space.low, env.action_space.high
    return rng.uniform(low, high, size=(steps, *env.action_space.shape)).astype(env.action_space.dtype)


def steps_per_second(env: gymnasium.Env, steps: int, seed: int) -> float:
    actions = random_actions(env, steps, seed)
    env.reset(seed=seed)
    start = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = env.step(a)
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - start)


def workload(env: gymnasium.Env, steps: int, seed: int) -> tuple[float, float, float]:
    """What a world asks of the solver along its own random-action episodes: actions per
    episode, and contacts and constraint rows after each action. Two worlds of one scene differ
    here when their physics differ (a hybrid on an identified model with friction loss, on
    slippery ground), which a steps/s ratio alone does not show."""
    data = env.unwrapped.data
    env.reset(seed=seed)
    episodes, contacts, rows = 1, 0, 0
    for a in random_actions(env, steps, seed):
        _, _, terminated, truncated, _ = env.step(a)
        contacts += data.ncon
        rows += data.nefc
        if terminated or truncated:
            env.reset()
            episodes += 1
    return steps / episodes, contacts / steps, rows / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20000, help="environment steps per timing")
    parser.add_argument("--repeats", type=int, default=5, help="timings per environment (median)")
    parser.add_argument("--scenes", default="hopper,arm2,push", help="mjhybrid scenes to time")
    args = parser.parse_args()
    scenes = [s for s in args.scenes.split(",") if s]
    unknown = [s for s in scenes if s not in TASKS]
    if unknown or args.steps < 1 or args.repeats < 1:
        parser.error(f"unknown scenes {unknown}; valid: {', '.join(TASKS)}" if unknown
                     else "--steps and --repeats must be >= 1")

    ids = ["Hopper-v5"] + [mjhybrid.env_id(s, TASKS[s], w) for s in scenes for w in ("sim", "hybrid")]
    envs = {name: gymnasium.make(name) for name in ids}
    for env in envs.values():  # warm-up: first-call costs (plugin load, caches) stay out
        steps_per_second(env, 200, 0)
    rates: dict[str, list[float]] = {name: [] for name in ids}
    for r in range(args.repeats):
        for name, env in envs.items():
            rates[name].append(steps_per_second(env, args.steps, r))

    median = {name: statistics.median(v) for name, v in rates.items()}
    print(f"| environment | steps/s (median of {args.repeats} x {args.steps}) | vs sim world | vs Hopper-v5 |")
    print("| --- | ---: | ---: | ---: |")
    for name in ids:
        sim = name.replace("-hybrid-", "-sim-")
        vs_sim = f"{median[name] / median[sim]:.2f}" if sim != name and sim in median else ""
        print(f"| {name} | {median[name]:,.0f} | {vs_sim} | {median[name] / median['Hopper-v5']:.2f} |")
    print()
    print("| environment | actions per episode | contacts per action | constraint rows per action |")
    print("| --- | ---: | ---: | ---: |")
    for name, env in envs.items():
        length, contacts, rows = workload(env, args.steps, 0)
        print(f"| {name} | {length:.1f} | {contacts:.2f} | {rows:.2f} |")


if __name__ == "__main__":
    main()
