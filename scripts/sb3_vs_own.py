#!/usr/bin/env python3
"""Stable-Baselines3 PPO against mjhybrid's own LibTorch PPO on arm2's reach task.

Both train on the hybrid world (scenes/arm2/hybrid.xml, mjhybrid/arm2-reach-hybrid-v0) for the
same number of environment steps, with the same hyperparameters where the two correspond, and
both are then scored on the real world (real.xml) over the same number of episodes, acting
deterministically (the policy's mean, clipped to [-1, 1]). Prints a markdown table: method,
env steps, training wall time, steps/s, real return mean ± std.

    .venv/bin/python scripts/sb3_vs_own.py [--steps N] [--seeds 0,1] [--episodes 16]

The own PPO is the command line (`mjhybrid policy-train`, then `policy-eval` on real.xml). Its
defaults (rl/ppo.h) and the SB3 settings that match them:

    own PPO                          SB3 PPO
    16 copies, rollout 64            DummyVecEnv of 16 envs, n_steps=64
    minibatch 128, 10 epochs         batch_size=128, n_epochs=10
    lr 1e-3, linear decay to 0       learning_rate: the same schedule, update by update
    gamma 0.98, lambda 0.95          gamma=0.98, gae_lambda=0.95
    clip 0.2, no value clipping      clip_range=0.2, clip_range_vf=None
    value_coef 0.5 on half the MSE   vf_coef=0.25 (SB3's value loss is the whole MSE)
    entropy_coef 0, grad norm 0.5    ent_coef=0, max_grad_norm=0.5
    tanh MLPs 64-64, separate        net_arch pi=[64,64], vf=[64,64], Tanh (SB3's default)
    orthogonal init, gains √2/0.01/1 ortho_init=True (SB3's default, the same gains)
    initial std 0.3                  log_std_init=log(0.3)
    Adam eps 1e-5                    SB3's default for PPO
    obs normalized, clipped at 10    VecNormalize(norm_obs, clip_obs=10)
    rewards / running return std     VecNormalize(norm_reward, gamma=0.98), no reward clip
    minibatch advantage normalization, truncated episodes bootstrapped with V(last obs): both

Both learn on one core: the own PPO steps with one thread and LibTorch runs one (rl/ppo.cc),
SB3 steps its envs in-process and torch is set to one thread. Wall time is the training alone
(the own run's "seconds" in its JSON, SB3's learn()), not process start or scoring. Start states
of the real episodes are drawn from the same distribution (task.json) but not the same numbers:
the two implementations have their own random streams.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import time

import gymnasium
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCENE = ROOT / "scenes" / "arm2"
TRAIN_ID = "mjhybrid/arm2-reach-hybrid-v0"
REAL_ID = "mjhybrid/arm2-reach-real-v0"

# the own PPO's defaults (rl/ppo.h); SB3 is given the same
ENVS, ROLLOUT, MINIBATCH, EPOCHS = 16, 64, 128, 10
LR, GAMMA, LAMBDA, CLIP, HIDDEN, INITIAL_STD = 1e-3, 0.98, 0.95, 0.2, [64, 64], 0.3
BATCH = ENVS * ROLLOUT  # environment steps per update


def import_envs() -> None:
    """Register the mjhybrid/ ids: scripts/mjhybrid_gym.py, else the package `mjhybrid`
    (python/mjhybrid, which that module is being turned into)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import mjhybrid_gym  # noqa: F401
    except ModuleNotFoundError:
        sys.path.insert(0, str(ROOT / "python"))
        import mjhybrid  # noqa: F401


def summary(returns: list[float]) -> tuple[float, float]:
    """mean and population std, as the own policy-eval reports them (rl::Summarize)"""
    r = np.asarray(returns, dtype=np.float64)
    return float(r.mean()), float(r.std())


# ---------------------------------------------------------------- SB3


def linear_schedule(steps: int):
    """The own PPO's rate lr * (1 - u / U) for update u of U. SB3 calls the schedule with the
    progress remaining after the rollout of update u, 1 - (u + 1) / U, hence the shift."""
    updates = steps // BATCH
    return lambda remaining: LR * min(1.0, remaining + 1.0 / updates)


def sb3_real_returns(model: PPO, train_env: VecNormalize, episodes: int, seed: int) -> list[float]:
    """One deterministic episode in each of `episodes` copies of the real world, observations
    normalized with the training statistics (frozen)."""
    venv = VecNormalize(make_vec_env(REAL_ID, n_envs=episodes, vec_env_cls=DummyVecEnv),
                        training=False, norm_obs=True, norm_reward=False, clip_obs=10.0)
    venv.obs_rms = train_env.obs_rms.copy()
    venv.seed(seed)  # copy i starts from seed + i
    obs = venv.reset()
    returns = np.zeros(episodes)
    running = np.ones(episodes, dtype=bool)
    while running.any():
        action, _ = model.predict(obs, deterministic=True)
        obs, reward, done, _ = venv.step(action)
        # get_original_reward: the task's reward, not a normalized one
        returns += np.where(running, venv.get_original_reward(), 0.0)
        running &= ~done  # a finished copy restarts by itself; its next episode is not counted
    venv.close()
    return returns.tolist()


def run_sb3(steps: int, seed: int, episodes: int, out: pathlib.Path) -> dict:
    env = VecNormalize(make_vec_env(TRAIN_ID, n_envs=ENVS, seed=seed, vec_env_cls=DummyVecEnv),
                       norm_obs=True, norm_reward=True, clip_obs=10.0,
                       clip_reward=math.inf, gamma=GAMMA)
    model = PPO("MlpPolicy", env, n_steps=ROLLOUT, batch_size=MINIBATCH, n_epochs=EPOCHS,
                learning_rate=linear_schedule(steps), gamma=GAMMA, gae_lambda=LAMBDA,
                clip_range=CLIP, clip_range_vf=None, vf_coef=0.25, ent_coef=0.0,
                max_grad_norm=0.5, seed=seed, device="cpu",
                policy_kwargs=dict(net_arch=dict(pi=HIDDEN, vf=HIDDEN),
                                   activation_fn=torch.nn.Tanh,
                                   log_std_init=math.log(INITIAL_STD)))
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - start
    model.save(out / f"sb3-seed{seed}.zip")
    env.save(str(out / f"sb3-seed{seed}.vecnormalize.pkl"))
    returns = sb3_real_returns(model, env, episodes, 10_000 + seed)
    env.close()
    return dict(method="SB3 PPO", seed=seed, steps=int(model.num_timesteps), seconds=seconds,
                returns=returns)


# ---------------------------------------------------------------- the own PPO


def run_own(cli: pathlib.Path, steps: int, seed: int, episodes: int, out: pathlib.Path) -> dict:
    policy = out / f"own-seed{seed}.pt"
    # --episodes 1: the scores it takes along the way (every steps / 8, on the training world)
    # are one episode each, so they cost next to nothing; the real score is policy-eval's
    subprocess.run([str(cli), "policy-train", "--model", str(SCENE / "hybrid.xml"),
                    "--out", str(policy), "--steps", str(steps), "--seed", str(seed),
                    "--envs", str(ENVS), "--threads", "1", "--episodes", "1",
                    "--rollout", str(ROLLOUT), "--minibatch", str(MINIBATCH),
                    "--epochs", str(EPOCHS), "--lr", str(LR), "--gamma", str(GAMMA),
                    "--hidden", ",".join(map(str, HIDDEN)), "--initial-std", str(INITIAL_STD),
                    "--force"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    trained = json.loads(policy.with_suffix(".json").read_text())
    # the steps it ran are those of its last score: whole updates, steps // BATCH of them
    curve = policy.with_suffix(".curve.csv").read_text().split()
    steps_run = int(curve[-1].split(",")[0])
    scores = out / f"own-seed{seed}.real.json"
    subprocess.run([str(cli), "policy-eval", "--model", str(SCENE / "real.xml"),
                    "--policy", str(policy), "--episodes", str(episodes),
                    "--seed", str(10_000 + seed), "--json", str(scores), "--force"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return dict(method="own LibTorch PPO", seed=seed, steps=steps_run,
                seconds=float(trained["seconds"]),
                returns=json.loads(scores.read_text())["returns"])


# ---------------------------------------------------------------- the table


def table(results: list[dict]) -> str:
    lines = ["| method | seed | env steps | wall time (s) | steps/s | real return (mean ± std) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]

    def row(method, seed, steps, seconds, returns):
        mean, std = summary(returns)
        lines.append(f"| {method} | {seed} | {steps} | {seconds:.1f} | {steps / seconds:.0f} "
                     f"| {mean:.2f} ± {std:.2f} ({len(returns)} episodes) |")

    for r in results:
        row(r["method"], r["seed"], r["steps"], r["seconds"], r["returns"])
    seeds = sorted({r["seed"] for r in results})
    if len(seeds) > 1:  # every seed's episodes together; steps and time summed
        for method in dict.fromkeys(r["method"] for r in results):
            rs = [r for r in results if r["method"] == method]
            row(method, "all", sum(r["steps"] for r in rs), sum(r["seconds"] for r in rs),
                [x for r in rs for x in r["returns"]])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # default: policy-train's own default budget, 200000, as the whole updates it runs
    parser.add_argument("--steps", type=int, default=200_000 // BATCH * BATCH,
                        help=f"environment steps of training, a multiple of {BATCH} "
                             "(16 copies x rollout 64); default %(default)s")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds; default %(default)s")
    parser.add_argument("--episodes", type=int, default=16,
                        help="real-world episodes per score; default %(default)s")
    parser.add_argument("--cli", type=pathlib.Path, default=ROOT / "build" / "bin" / "mjhybrid",
                        help="the mjhybrid command line; default %(default)s")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "runs" / "sb3_vs_own",
                        help="policies and scores go here; default %(default)s")
    args = parser.parse_args()
    if args.steps < BATCH or args.steps % BATCH:
        parser.error(f"--steps must be a positive multiple of {BATCH}: both PPOs run whole "
                     "updates, so any other budget would differ between them")
    if not args.cli.is_file():
        parser.error(f"{args.cli}: no such file (build it with scripts/build.sh)")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    args.out.mkdir(parents=True, exist_ok=True)

    import_envs()
    torch.set_num_threads(1)  # the own PPO's LibTorch runs one thread too (rl/ppo.cc)
    results = []
    for seed in seeds:
        for run in (lambda: run_own(args.cli, args.steps, seed, args.episodes, args.out),
                    lambda: run_sb3(args.steps, seed, args.episodes, args.out)):
            r = run()
            mean, std = summary(r["returns"])
            print(f"[sb3_vs_own] {r['method']} seed {seed}: {r['steps']} steps in "
                  f"{r['seconds']:.1f} s, real return {mean:.2f} ± {std:.2f}", flush=True)
            results.append(r)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"arm2 reach: trained on the hybrid world, scored on the real one; "
          f"{os.cpu_count()} cores")
    print(table(results))


if __name__ == "__main__":
    main()
