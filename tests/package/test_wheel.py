"""The pip package as a user gets it: the wheel built, installed into a fresh virtual
environment, and used from a folder that is not the repository.

What it checks, each in a process of the fresh environment started in an empty folder:
the plugin loads from the package and steps a shipped hybrid scene whose model path is relative
to the package's root; `gymnasium.make("mjhybrid/...")` works after `import mjhybrid`, and
without it through the "module:id" form; the `gymnasium.envs` entry point is declared; a
user's own scene with its model file beside it loads from another working directory (through
mjhybrid.load_model, and through plain MuJoCo with MJHYBRID_MODEL_PATH); the `mjhybrid`
command is on PATH and runs. The repository is never on the fresh environment's path.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: pathlib.Path, env: dict | None = None,
        timeout: int = 1800) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
                                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> pathlib.Path:
    """A fresh virtual environment with the wheel installed; returns its bin/ folder."""
    base = tmp_path_factory.mktemp("package")
    wheels = base / "wheels"
    # --no-build-isolation: build against this environment's pinned mujoco and torch (the
    # wheel's build-system.requires name the same pins for an isolated `pip install .`)
    run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-build-isolation", "--no-deps",
         "--disable-pip-version-check", "-q", "-w", str(wheels)], cwd=base)
    built = sorted(wheels.glob("mjhybrid-*.whl"))
    assert len(built) == 1, built
    run([sys.executable, "-m", "venv", str(base / "venv")], cwd=base)
    bin_dir = base / "venv" / "bin"
    # the wheel's dependencies, and theirs, at the repository's pins (a constraints file takes
    # no extras: "ray[rllib]==X" constrains "ray==X")
    constraints = base / "constraints.txt"
    constraints.write_text("".join(re.sub(r"\[[^]]*\]", "", line) + "\n"
                                   for line in (ROOT / "requirements.txt").read_text().splitlines()))
    run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         str(built[0]), "-c", str(constraints)], cwd=base)
    return bin_dir


@pytest.fixture()
def elsewhere(tmp_path) -> pathlib.Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def fresh_env(bin_dir: pathlib.Path, **extra: str) -> dict:
    """The fresh environment's variables: its bin/ first on PATH, nothing of the repository."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MJHYBRID_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def python(bin_dir: pathlib.Path, code: str, cwd: pathlib.Path, **extra: str) -> str:
    return run([str(bin_dir / "python"), "-c", textwrap.dedent(code)], cwd=cwd,
               env=fresh_env(bin_dir, **extra), timeout=300).stdout


def test_the_package_is_the_installed_one_with_its_data(venv, elsewhere):
    out = python(venv, """
        import pathlib, mjhybrid
        root = pathlib.Path(mjhybrid.DATA_ROOT)
        print(root)
        assert "site-packages" in root.parts, root
        assert (root / "scenes" / "arm2" / "hybrid.xml").is_file()
        assert (root / "models" / "arm2" / "residual.safetensors").is_file()
        assert pathlib.Path(mjhybrid.PLUGIN_LIBRARY).is_file()
    """, elsewhere)
    assert str(ROOT) not in out


def test_a_shipped_hybrid_scene_loads_and_steps(venv, elsewhere):
    # plain MuJoCo after load_plugin(): the scene's model path, models/arm2/residual.safetensors,
    # is relative to the root the plugin finds from its own location inside the package
    python(venv, """
        import mujoco, numpy as np, mjhybrid
        mjhybrid.load_plugin()
        root = mjhybrid.SCENES_DIR / "arm2"
        hybrid = mujoco.MjModel.from_xml_path(str(root / "hybrid.xml"))
        sim = mujoco.MjModel.from_xml_path(str(root / "sim.xml"))
        dh, ds = mujoco.MjData(hybrid), mujoco.MjData(sim)
        for d in (dh, ds):
            d.qvel[:] = 0.5
            d.ctrl[:] = 0.3
        for _ in range(200):
            mujoco.mj_step(hybrid, dh)
            mujoco.mj_step(sim, ds)
        assert np.all(np.isfinite(dh.qpos))
        assert np.abs(dh.qpos - ds.qpos).max() > 1e-4, "the residual changed nothing"
    """, elsewhere)


def test_gymnasium_make_works(venv, elsewhere):
    python(venv, """
        import gymnasium, mjhybrid, numpy as np
        env = gymnasium.make("mjhybrid/arm2-reach-hybrid-v0")
        obs, _ = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert np.all(np.isfinite(obs)) and np.isfinite(reward)
    """, elsewhere)
    # without importing mjhybrid: Gymnasium imports it for the "module:id" form
    python(venv, """
        import gymnasium
        env = gymnasium.make("mjhybrid:mjhybrid/push-push-to-goal-hybrid-v0")
        env.reset(seed=1)
        env.step(env.action_space.sample())
    """, elsewhere)
    # the entry point older Gymnasium releases read
    out = python(venv, """
        from importlib.metadata import entry_points
        (ep,) = entry_points(group="gymnasium.envs", name="mjhybrid")
        print(len(ep.load()()))
    """, elsewhere)
    assert int(out.split()[-1]) >= 9, out


def user_scene(folder: pathlib.Path, model_value: str) -> pathlib.Path:
    """A scene of the user's own outside the package: arm2's nominal model and a residual file
    beside it, referred to by a relative path."""
    shutil.copy(ROOT / "scenes" / "arm2" / "sim.xml", folder / "sim.xml")
    shutil.copy(ROOT / "models" / "arm2" / "residual.safetensors", folder / "my_residual.safetensors")
    hybrid = folder / "hybrid.xml"
    hybrid.write_text(textwrap.dedent(f"""\
        <mujoco model="my hybrid">
          <include file="sim.xml"/>
          <extension>
            <plugin plugin="mjhybrid.residual">
              <instance name="residual">
                <config key="model" value="{model_value}"/>
              </instance>
            </plugin>
          </extension>
        </mujoco>
    """))
    return hybrid


def test_a_users_scene_finds_the_model_beside_it(venv, tmp_path, elsewhere):
    scene = tmp_path / "my_scene"
    scene.mkdir()
    hybrid = user_scene(scene, "my_residual.safetensors")
    # through the package's loader, from an unrelated working directory
    python(venv, f"""
        import mujoco, mjhybrid
        m = mjhybrid.load_model({str(hybrid)!r})
        assert m.nplugin == 1
        mujoco.mj_step(m, mujoco.MjData(m))
    """, elsewhere)
    # plain MuJoCo knows no scene folder: it needs MJHYBRID_MODEL_PATH, and says what it looked for
    code = f"""
        import mujoco, mjhybrid
        mjhybrid.load_plugin()
        try:
            mujoco.MjModel.from_xml_path({str(hybrid)!r})
            print("loaded")
        except ValueError as e:
            print("error:", e)
    """
    assert "loaded" in python(venv, code, elsewhere, MJHYBRID_MODEL_PATH=str(scene))
    refused = python(venv, code, elsewhere)
    assert "error:" in refused and "my_residual.safetensors" in refused, refused


def test_the_command_line_is_on_path(venv, elsewhere):
    out = run(["mjhybrid", "--help"], cwd=elsewhere, env=fresh_env(venv), timeout=60).stdout
    for command in ("collect", "train", "eval", "study"):
        assert command in out
    # a real command end to end: attach the shipped arm2 model to the shipped sim.xml, as data
    # the package carries, and load the result through plain MuJoCo
    python(venv, """
        import subprocess, mujoco, mjhybrid
        sim = mjhybrid.SCENES_DIR / "arm2" / "sim.xml"
        model = mjhybrid.MODELS_DIR / "arm2" / "residual.safetensors"
        subprocess.run(["mjhybrid", "attach", "--model", str(sim), "--residual", str(model),
                        "--out", "attached.xml"], check=True)
        mjhybrid.load_plugin()
        m = mujoco.MjModel.from_xml_path("attached.xml")
        assert m.nplugin == 1
    """, elsewhere)
    bad = subprocess.run(["mjhybrid", "eval", "--model", "nowhere.xml"], cwd=elsewhere,
                         env=fresh_env(venv), capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and bad.stderr.strip(), bad
