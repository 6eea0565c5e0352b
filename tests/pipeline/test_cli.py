"""The mjhybrid command line, end to end on the arm2 scene, and its answers to bad input."""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from cli_helpers import ROOT, collect_train_and_test, error_line, model_metadata, run

SIM = str(ROOT / "scenes/arm2/sim.xml")
REAL = str(ROOT / "scenes/arm2/real.xml")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A small but real run: collect, train, attach."""
    d = tmp_path_factory.mktemp("arm2")
    collect_train_and_test(REAL, d, episodes=6, steps=300)
    run("train", "--model", SIM, "--data", str(d / "train.h5"), "--out",
        str(d / "residual.safetensors"), "--epochs", "30", "--seed", "1")
    run("attach", "--model", SIM, "--residual", str(d / "residual.safetensors"), "--out",
        str(d / "hybrid.xml"))
    return d


def test_dataset_is_readable_from_python(workdir: Path) -> None:
    with h5py.File(workdir / "train.h5") as f:
        assert f.attrs["format"] == b"mjhybrid.trajectories/1"
        assert json.loads(f.attrs["joints"]) == ["shoulder", "elbow"]
        assert f.attrs["timestep"] == pytest.approx(0.005)
        assert len(f["episodes"]) == 6
        ep = f["episodes/000000"]
        assert ep["qpos"].shape == (301, 2) and ep["ctrl"].shape == (300, 2)
        # times advance by the control period, controls stay inside ctrlrange
        assert np.allclose(np.diff(ep["time"][:]), 0.005)
        assert np.all(np.abs(ep["ctrl"][:, 0]) <= 3.0) and np.all(np.abs(ep["ctrl"][:, 1]) <= 1.5)


def test_training_calibrates_the_output_scale(workdir: Path) -> None:
    """The do-no-harm step: five scales scored on the validation episodes, the best kept."""
    calibration = model_metadata(workdir / "residual.safetensors")["provenance"]["calibration"]
    tried = {t["scale"]: t["relative_error"] for t in calibration["tried"]}
    assert sorted(tried) == [0.0, 0.3, 0.5, 0.7, 1.0] and tried[0.0] == 1.0
    best = min(tried, key=lambda s: tried[s] if isinstance(tried[s], float) else float("inf"))
    assert calibration["scale"] == best
    # on arm2 even a short training beats the analytic model on its validation episodes
    assert calibration["scale"] > 0 and calibration["relative_error"] < 1


def test_collect_is_deterministic(workdir: Path, tmp_path: Path) -> None:
    run("collect", "--model", REAL, "--out", str(tmp_path / "again.h5"), "--episodes", "6",
        "--steps", "300", "--dt", "0.005", "--seed", "1")
    with h5py.File(workdir / "train.h5") as a, h5py.File(tmp_path / "again.h5") as b:
        assert np.array_equal(a["episodes/000005/qvel"][:], b["episodes/000005/qvel"][:])


def test_eval_writes_the_contract_and_the_residual_helps(workdir: Path) -> None:
    out = workdir / "eval.json"
    proc = run("eval", "--model", SIM, "--residual", str(workdir / "residual.safetensors"),
               "--data", str(workdir / "test.h5"), "--horizons", "1,10,100", "--json", str(out))
    assert "closed" in proc.stdout
    report = json.loads(out.read_text())
    assert report["horizons"] == [1, 10, 100]
    for method in ("analytic", "hybrid"):
        for key in ("qpos_rmse", "qvel_rmse"):
            assert len(report["methods"][method][key]) == 3
    # even a 30-epoch model on 9 s of data must beat the nominal model at h = 10
    a = report["methods"]["analytic"]["qvel_rmse"][1]
    h = report["methods"]["hybrid"]["qvel_rmse"][1]
    assert h < 0.5 * a
    assert (workdir / "eval.csv").read_text().startswith("method,horizon,metric,value")


def test_hybrid_scene_names_model_and_includes_sim(workdir: Path) -> None:
    text = (workdir / "hybrid.xml").read_text()
    assert 'plugin="mjhybrid.residual"' in text and "<include" in text
    assert str(workdir / "residual.safetensors") in text  # outside the root: absolute


def test_never_overwrites_without_force(workdir: Path) -> None:
    before = (workdir / "residual.safetensors").read_bytes()
    proc = run("train", "--model", SIM, "--data", str(workdir / "train.h5"), "--out",
               str(workdir / "residual.safetensors"), ok=False)
    assert "--force" in error_line(proc)
    assert (workdir / "residual.safetensors").read_bytes() == before
    for cmd in (["collect", "--model", REAL, "--out", str(workdir / "train.h5")],
                ["attach", "--model", SIM, "--residual", str(workdir / "residual.safetensors"),
                 "--out", str(workdir / "hybrid.xml")]):
        assert "exists" in error_line(run(*cmd, ok=False))


def test_an_output_in_a_missing_folder_is_refused_before_the_work(workdir: Path, tmp_path: Path) -> None:
    # each would fit or collect first and only then fail to write (sysid for minutes on hopper)
    missing = tmp_path / "no-such-folder"
    data = str(workdir / "train.h5")
    for cmd in (["train", "--model", SIM, "--data", data, "--out", str(missing / "r.safetensors")],
                ["sysid", "--model", SIM, "--data", data, "--out", str(missing / "s.xml")],
                ["fit-params", "--model", SIM, "--data", data, "--out", str(missing / "p.safetensors")],
                ["collect", "--model", REAL, "--out", str(missing / "d.h5")],
                ["attach", "--model", SIM, "--residual", str(workdir / "residual.safetensors"),
                 "--out", str(missing / "h.xml")]):
        proc = run(*cmd, ok=False)
        line = error_line(proc)
        assert "no-such-folder" in line and "does not exist" in line, (cmd, line)
        assert proc.stderr.strip().splitlines() == [line], proc.stderr  # no progress: nothing ran
    assert not missing.exists()


def test_missing_and_corrupt_inputs(workdir: Path, tmp_path: Path) -> None:
    assert "not found" in error_line(run("collect", "--model", "nope.xml", "--out",
                                         str(tmp_path / "x.h5"), ok=False))
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5 at all")
    assert "not an HDF5 file" in error_line(run("train", "--model", SIM, "--data", str(bad),
                                                "--out", str(tmp_path / "m.safetensors"), ok=False))
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes((workdir / "residual.safetensors").read_bytes()[:200])
    line = error_line(run("eval", "--model", SIM, "--residual", str(corrupt), "--data",
                          str(workdir / "test.h5"), ok=False))
    assert "corrupt.safetensors" in line
    assert not (tmp_path / "m.safetensors").exists()


def test_nan_in_dataset_is_refused(workdir: Path, tmp_path: Path) -> None:
    nan = tmp_path / "nan.h5"
    nan.write_bytes((workdir / "test.h5").read_bytes())
    with h5py.File(nan, "r+") as f:
        f["episodes/000001/qvel"][17, 1] = np.nan
    line = error_line(run("eval", "--model", SIM, "--residual",
                          str(workdir / "residual.safetensors"), "--data", str(nan), ok=False))
    assert "non-finite" in line and "000001" in line and "17" in line


def test_data_from_another_rate_or_system_is_refused(workdir: Path, tmp_path: Path) -> None:
    fast = tmp_path / "fast.h5"
    run("collect", "--model", REAL, "--out", str(fast), "--episodes", "2", "--steps", "50",
        "--dt", "0.002")
    line = error_line(run("train", "--model", SIM, "--data", str(fast), "--out",
                          str(tmp_path / "m.safetensors"), ok=False))
    assert "0.002" in line and "0.005" in line
    other = tmp_path / "other.xml"
    other.write_text(Path(SIM).read_text().replace('name="elbow"', 'name="wrist"'))
    line = error_line(run("train", "--model", str(other), "--data", str(workdir / "train.h5"),
                          "--out", str(tmp_path / "m.safetensors"), ok=False))
    assert "elbow" in line and "wrist" in line


def test_model_for_another_timestep_is_refused(workdir: Path, tmp_path: Path) -> None:
    other = tmp_path / "sim_2ms.xml"
    other.write_text(Path(SIM).read_text().replace('timestep="0.005"', 'timestep="0.002"'))
    line = error_line(run("attach", "--model", str(other), "--residual",
                          str(workdir / "residual.safetensors"), "--out",
                          str(tmp_path / "h.xml"), ok=False))
    assert "timestep" in line and "0.005" in line and "0.002" in line
    assert not (tmp_path / "h.xml").exists() and not (tmp_path / "h.xml.tmp").exists()


def test_bad_arguments_exit_nonzero() -> None:
    assert run("eval", "--model", SIM, ok=False).returncode != 0
    assert run("frobnicate", ok=False).returncode != 0
    proc = run("attach", "--model", SIM, "--residual", "x", "--out", "y", "--mode", "fast", ok=False)
    assert proc.returncode != 0 and "fast" in proc.stderr


def mesh_scene(tmp_path: Path) -> Path:
    """arm2's sim.xml with a mesh loaded from a folder relative to it."""
    scene = tmp_path / "scene"
    (scene / "assets").mkdir(parents=True)
    (scene / "assets" / "tetra.obj").write_text(
        "v 0 0 0\nv 0.05 0 0\nv 0 0.05 0\nv 0 0 0.05\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n")
    text = Path(SIM).read_text()
    text = text.replace('<compiler angle="radian"/>',
                        '<compiler angle="radian" meshdir="assets"/>\n'
                        '  <asset><mesh name="tetra" file="tetra.obj"/></asset>')
    text = text.replace('<site name="tip" pos="0.25 0 0"/>',
                        '<site name="tip" pos="0.25 0 0"/>\n'
                        '        <geom type="mesh" mesh="tetra" pos="0.25 0 0" mass="0" '
                        'contype="0" conaffinity="0"/>')
    (scene / "sim.xml").write_text(text)
    return scene


def test_eval_resolves_assets_relative_to_sim(workdir: Path, tmp_path: Path) -> None:
    """A scene whose sim.xml loads a mesh from a relative folder evaluates from anywhere."""
    scene = mesh_scene(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run("eval", "--model", str(scene / "sim.xml"), "--residual",
        str(workdir / "residual.safetensors"), "--data", str(workdir / "test.h5"),
        "--horizons", "10", cwd=elsewhere)
    assert sorted(p.name for p in scene.iterdir()) == ["assets", "sim.xml"]  # nothing written


def test_sysid_model_finds_its_assets_relative_to_itself(workdir: Path, tmp_path: Path) -> None:
    """The identified model written into another folder names sim.xml's mesh folder relative
    to itself (no absolute path of this machine), so it compiles after the tree moves."""
    tree = tmp_path / "tree"
    scene = mesh_scene(tree)
    out = tree / "runs" / "sysid.xml"
    out.parent.mkdir()
    run("sysid", "--model", str(scene / "sim.xml"), "--data", str(workdir / "train.h5"), "--out", str(out),
        "--iterations", "1")
    assert 'meshdir="../scene/assets/"' in out.read_text()
    moved = tmp_path / "moved"
    tree.rename(moved)  # the original tree is gone: only the moved one can be compiled
    run("attach", "--model", str(moved / "runs" / "sysid.xml"), "--residual",
        str(workdir / "residual.safetensors"), "--out", str(moved / "runs" / "hybrid.xml"))
    run("eval", "--model", str(moved / "scene" / "sim.xml"), "--base", str(moved / "runs" / "sysid.xml"),
        "--residual", str(workdir / "residual.safetensors"), "--data", str(workdir / "test.h5"), "--horizons", "10")


def test_eval_base_builds_the_hybrid_on_another_model(workdir: Path, tmp_path: Path) -> None:
    """eval --base: the hybrid runs on the given model (an identified one), the analytic
    reference stays --model; a base of another shape is refused in one line."""
    # more damping on both joints: another analytic model of the same shape
    tuned = tmp_path / "tuned.xml"
    tuned.write_text(Path(SIM).read_text().replace('damping="0.02"', 'damping="0.5"')
                     .replace('damping="0.01"', 'damping="0.5"'))
    args = ["--residual", str(workdir / "residual.safetensors"), "--data", str(workdir / "test.h5"),
            "--horizons", "1,10"]
    plain, based = tmp_path / "plain.json", tmp_path / "based.json"
    run("eval", "--model", SIM, *args, "--json", str(plain))
    run("eval", "--model", SIM, "--base", str(tuned), *args, "--json", str(based))
    a, b = json.loads(plain.read_text()), json.loads(based.read_text())
    assert a["methods"]["analytic"] == b["methods"]["analytic"]
    assert a["methods"]["hybrid"]["qvel_rmse"] != b["methods"]["hybrid"]["qvel_rmse"]
    assert b["config"]["base"] == str(tuned) and a["config"]["base"] == ""
    # the base alone: its errors are the based hybrid's analytic part
    alone = tmp_path / "alone.json"
    run("eval", "--model", SIM, "--base", str(tuned), "--data", str(workdir / "test.h5"), "--horizons", "1,10",
        "--json", str(alone))
    c = json.loads(alone.read_text())
    assert c["methods"]["analytic"] == a["methods"]["analytic"]
    assert c["methods"]["hybrid"]["qvel_rmse"] not in (a["methods"]["hybrid"]["qvel_rmse"],
                                                       b["methods"]["hybrid"]["qvel_rmse"])
    assert "--base" in error_line(run("eval", "--model", SIM, "--data", str(workdir / "test.h5"), ok=False))
    proc = run("eval", "--model", SIM, "--base", str(ROOT / "scenes/hopper/sim.xml"), *args, ok=False)
    assert proc.returncode != 0 and len(error_line(proc).splitlines()) == 1


def test_a_scene_that_includes_an_including_file_loads_by_relative_path(workdir: Path, tmp_path: Path) -> None:
    """A hybrid written into a run folder that includes a variant of sim.xml, which itself
    includes sim.xml (as scenes/*/sim-5ms.xml do), loads when every path is relative: MuJoCo
    resolves such nested includes wrongly from a relative top path, so the tool passes it
    absolute."""
    (tmp_path / "scene").mkdir()
    (tmp_path / "scene" / "sim.xml").write_text(Path(SIM).read_text())
    (tmp_path / "scene" / "variant.xml").write_text('<mujoco><include file="sim.xml"/></mujoco>\n')
    (tmp_path / "runs").mkdir()
    shutil.copy(workdir / "residual.safetensors", tmp_path / "runs" / "residual.safetensors")
    run("attach", "--model", "scene/variant.xml", "--residual", "runs/residual.safetensors", "--out",
        "runs/hybrid.xml", cwd=tmp_path)
    shutil.copy(workdir / "test.h5", tmp_path / "runs" / "test.h5")
    run("eval", "--model", "scene/variant.xml", "--base", "runs/hybrid.xml", "--data", "runs/test.h5",
        "--horizons", "10", cwd=tmp_path)


def test_actuator_state_that_cannot_be_replayed_is_refused(tmp_path: Path) -> None:
    """A muscle's activation is not replayed from recorded controls (scene/activation.h): eval and
    sysid refuse the model in one line that names the actuator, from eval's worker threads too."""
    model = tmp_path / "muscle.xml"
    model.write_text("""<mujoco><worldbody><body pos="0 0 1"><joint name="j" axis="0 1 0"/>
      <geom type="capsule" fromto="0 0 0 0.3 0 0" size="0.02" mass="0.5"/></body></worldbody>
      <tendon><fixed name="t"><joint joint="j" coef="0.1"/></fixed></tendon>
      <actuator><muscle name="biceps" tendon="t" lengthrange="0.05 0.15"/></actuator></mujoco>""")
    data = tmp_path / "muscle.h5"
    run("collect", "--model", str(model), "--out", str(data), "--episodes", "2", "--steps", "50")
    for command in (["eval", "--model", str(model), "--base", str(model), "--data", str(data), "--horizons", "10"],
                    ["sysid", "--model", str(model), "--data", str(data), "--out", str(tmp_path / "s.xml")]):
        proc = run(*command, ok=False)
        assert proc.returncode == 1, proc.stderr
        line = error_line(proc)
        assert "'biceps'" in line and "muscle" in line and "filter" in line, line
    assert not (tmp_path / "s.xml").exists()
