"""Data at the control rate (frame skip): arm2's real system recorded every 5 ms, the analytic
model integrating at 1 ms (5 physics steps per recorded step, control held). train, eval and
sysid take it; the model records both periods; the plugin moves its control history on once
per period; data at another period is refused with one line naming both."""

import json
from pathlib import Path

import pytest

from cli_helpers import ROOT, collect_train_and_test, error_line, model_metadata, run

REAL = str(ROOT / "scenes/arm2/real.xml")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("period")
    text = (ROOT / "scenes/arm2/sim.xml").read_text()
    assert 'timestep="0.005"' in text
    (d / "sim-1ms.xml").write_text(text.replace('timestep="0.005"', 'timestep="0.001"'))
    collect_train_and_test(REAL, d, episodes=8, steps=400)
    run("train", "--model", str(d / "sim-1ms.xml"), "--data", str(d / "train.h5"), "--out",
        str(d / "residual.safetensors"), "--epochs", "60", "--seed", "1")
    return d


def test_a_residual_trained_at_5_ms_on_a_1_ms_model_closes_the_gap(workdir: Path) -> None:
    signature = model_metadata(workdir / "residual.safetensors")["signature"]
    assert signature["timestep"] == pytest.approx(0.001)
    assert signature["control_period"] == pytest.approx(0.005)
    out = workdir / "eval.json"
    run("eval", "--model", str(workdir / "sim-1ms.xml"), "--residual", str(workdir / "residual.safetensors"),
        "--data", str(workdir / "test.h5"), "--horizons", "1,10,100", "--json", str(out))
    report = json.loads(out.read_text())
    # arm2's gap (damping, friction, weak motors) is no contact: the residual closes most of it
    # at the finer step as it does at the data's (README: 93-96 %)
    assert report["gap_closed"]["qpos"][1] > 0.7, report["gap_closed"]
    assert report["gap_closed"]["qpos"][2] > 0.7, report["gap_closed"]


def test_sysid_steps_the_finer_model_per_recorded_step(workdir: Path) -> None:
    out = workdir / "sysid.xml"
    proc = run("sysid", "--model", str(workdir / "sim-1ms.xml"), "--data", str(workdir / "train.h5"),
               "--eval", str(workdir / "test.h5"), "--out", str(out), "--horizon", "10")
    closed = [line.split() for line in proc.stdout.splitlines() if line.startswith("10 ")]
    assert closed and float(closed[0][3].rstrip("%")) > 30, proc.stdout


def test_data_at_another_period_is_refused_naming_both(workdir: Path) -> None:
    other = workdir / "test-10ms.h5"
    run("collect", "--model", REAL, "--out", str(other), "--episodes", "1", "--steps", "50", "--dt", "0.01")
    proc = run("eval", "--model", str(workdir / "sim-1ms.xml"), "--residual", str(workdir / "residual.safetensors"),
               "--data", str(other), "--horizons", "10", ok=False)
    line = error_line(proc)
    assert "recorded every 0.005 s" in line and "recorded every 0.01 s" in line, line

    odd = workdir / "test-2.5ms.h5"
    run("collect", "--model", REAL, "--out", str(odd), "--episodes", "1", "--steps", "50", "--dt", "0.003")
    proc = run("eval", "--model", str(workdir / "sim-1ms.xml"), "--residual", str(workdir / "residual.safetensors"),
               "--data", str(odd), "--horizons", "10", ok=False)
    assert "recorded every 0.003 s" in error_line(proc)

    # a period that is no whole number of the analytic model's timestep
    proc = run("train", "--model", str(ROOT / "scenes/arm2/sim.xml"), "--data", str(odd), "--out",
               str(workdir / "x.safetensors"), ok=False)
    line = error_line(proc)
    assert "not a whole number of the model's timestep 0.005 s" in line, line
    assert not (workdir / "x.safetensors").exists()
