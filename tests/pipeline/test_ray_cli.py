"""`study --ray` and `transfer --ray`: the units as Ray tasks on a local Ray instance give the
serial run's results number for number (wall times aside), and bad Ray input is one error line
before anything is written. CTest pipeline_ray (its own test: each run starts a Ray instance)."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest

from cli_helpers import (BIN, ROOT, error_line, run, stop_after_units, study_conclusions,
                         transfer_conclusions)

ARM2 = ROOT / "scenes" / "arm2"
STUDY = ["--seeds", "0,1", "--data-seconds", "3", "--episodes", "4", "--eval-episodes", "2", "--steps", "400",
         "--eval-stride", "20", "--no-plots"]
TRANSFER = ["--methods", "nominal,hybrid,mpc-nominal", "--seeds", "0,1", "--steps", "4096", "--envs", "4",
            "--eval-episodes", "2", "--evals", "2", "--mpc-episodes", "2", "--samples", "8", "--horizon", "10",
            "--no-plots"]


def tensors(path):
    """A safetensors file without its metadata (which holds the training's wall time)."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + size])
    header.pop("__metadata__", None)
    return header, raw[8 + size:]


def table_without_times(text):
    """table.md's rows without the fit-time column, and not the run's wall time."""
    rows = [line.split("|") for line in text.splitlines() if line.startswith("|")]
    return [row[:2] + row[3:] for row in rows]


def study_results(out):
    rows, summary = study_conclusions(out)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    models = {p.name: tensors(p) for p in out.glob("*.safetensors")}
    texts = {name: (out / name).read_text() for name in ("overlay.csv", "sysid.xml", "sysid-3s.xml")}
    return rows, summary, table_without_times((out / "table.md").read_text()), files, models, texts


def transfer_results(out):
    summary = transfer_conclusions(out)
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".pt", ".csv")}
    return summary, files


@pytest.fixture(scope="module")
def serial_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("study") / "serial"
    run("study", "--scene", str(ARM2), "--out", str(out), *STUDY)
    return study_results(out)


def test_study_on_ray_gives_the_serial_table(tmp_path, serial_study):
    on_ray = tmp_path / "ray"
    proc = run("study", "--scene", str(ARM2), "--out", str(on_ray), *STUDY, "--ray")
    assert "on a local Ray instance" in proc.stderr
    # every unit but the data was a Ray task, recorded in the run's journal as it came back
    journal = json.loads((on_ray / "progress.json").read_text())
    assert proc.stderr.count("[ray] ") == len(journal["units"])  # the start line, then one per unit
    assert {"data", "sysid", "hybrid-s1", "sysid+residual-s0-3s", "learned-s0-3s"} <= set(journal["units"])
    expected, got = serial_study, study_results(on_ray)
    assert got[0] == expected[0]  # results.csv: every number of every method, seed and horizon
    assert got[1] == expected[1]  # study.json
    assert got[2] == expected[2]  # the table
    assert got[3] == expected[3]  # the same files
    assert got[4] == expected[4]  # the fitted models, tensor for tensor
    assert got[5] == expected[5]  # the overlay, the identified models
    assert "| hybrid |" in proc.stdout


def unit_processes(out):
    """The processes computing a unit of the run in OUT (mjhybrid ... --ray-unit)."""
    found = []
    for cmdline in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--ray-unit" in args and str(out).encode() in args:
            found.append(cmdline.parent.name)
    return found


def test_a_study_stopped_on_ray_resumes_to_the_serial_table(tmp_path, serial_study):
    out = tmp_path / "run"
    args = ["study", "--scene", str(ARM2), "--out", str(out), *STUDY, "--ray"]
    code, stderr = stop_after_units(args, out, 4, signal.SIGTERM, tmp_path)  # the data and 3 units
    assert code == -signal.SIGTERM
    assert f"resume with: mjhybrid study --resume {out}" in stderr
    # the driver sees the command gone and ends Ray; the units in flight end with their worker
    deadline = time.time() + 30
    while unit_processes(out) and time.time() < deadline:
        time.sleep(0.2)
    assert not unit_processes(out)
    proc = run("study", "--resume", "run", cwd=tmp_path)
    assert "resuming" in proc.stderr and "on a local Ray instance" in proc.stderr
    assert study_results(out) == serial_study


def test_transfer_on_ray_gives_the_serial_policies(tmp_path):
    serial, on_ray = tmp_path / "serial", tmp_path / "ray"
    run("transfer", "--scene", str(ARM2), "--out", str(serial), *TRANSFER)
    proc = run("transfer", "--scene", str(ARM2), "--out", str(on_ray), *TRANSFER, "--ray")
    assert "5 units on a local Ray instance" in proc.stderr  # 2 methods x 2 seeds, one MPC method
    expected, got = transfer_results(serial), transfer_results(on_ray)
    assert set(got[1]) >= {"nominal-s0.pt", "hybrid-s1.pt", "curves.csv", "returns.csv"}
    assert got == expected


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused(tmp_path, *extra, env=None):
    """The study with EXTRA fails with one error line and leaves no run folder; the line."""
    out = tmp_path / "run"
    proc = subprocess.run([BIN, "study", "--scene", str(ARM2), "--out", str(out), *STUDY, *extra],
                          capture_output=True, text=True, timeout=120, env=env)
    line = error_line(proc)
    assert not out.exists(), line
    return line


def test_bad_ray_input_is_one_line_before_anything_is_written(tmp_path):
    assert "--ray-address needs --ray" in refused(tmp_path, "--ray-address", "127.0.0.1:6379")
    port = free_port()
    line = refused(tmp_path, "--ray", "--ray-address", f"127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in line and "no Ray cluster answers" in line
    assert "no Ray cluster answers" in refused(tmp_path, "--ray", "--ray-address", "ray://no-such-host.invalid:10001")
    assert "expected HOST:PORT" in refused(tmp_path, "--ray", "--ray-address", "nowhere")
    # a Python without Ray: a package `ray` that cannot be imported comes first on its path
    fake = tmp_path / "fake"
    (fake / "ray").mkdir(parents=True)
    (fake / "ray" / "__init__.py").write_text("raise ImportError('no Ray here')\n")
    env = dict(os.environ, PYTHONPATH=str(fake))
    assert "--ray needs Ray in" in refused(tmp_path, "--ray", env=env)
    env = dict(os.environ, MJHYBRID_PYTHON=str(tmp_path / "no-python"))
    assert "set MJHYBRID_PYTHON" in refused(tmp_path, "--ray", env=env)


def test_the_unit_option_is_for_ray_tasks_only(tmp_path):
    """--ray-unit outside a run folder with data, or naming no unit, is one line."""
    proc = run("study", "--scene", str(ARM2), "--out", str(tmp_path / "none"), *STUDY, "--ray-unit", "hybrid-s0",
               "--ray-unit-record", str(tmp_path / "r.json"), ok=False)
    assert "no progress.json" in error_line(proc) or "not a run folder" in error_line(proc)
    proc = run("study", "--scene", str(ARM2), "--out", str(tmp_path / "x"), *STUDY, "--ray-unit", "hybrid-s0",
               ok=False)
    assert "go together" in error_line(proc)
