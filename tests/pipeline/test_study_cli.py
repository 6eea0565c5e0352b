"""`mjhybrid sysid` and `mjhybrid study` end to end, on arm2 with short protocols."""

import csv
import json
import shutil

from cli_helpers import ROOT, error_line, run

ARM2 = ROOT / "scenes" / "arm2"


def test_sysid_finds_the_hidden_damping_and_its_model_loads(tmp_path):
    data, held = tmp_path / "train.h5", tmp_path / "test.h5"
    run("collect", "--model", str(ARM2 / "real.xml"), "--out", str(data), "--episodes", "6", "--steps", "400",
        "--dt", "0.005", "--seed", "1")
    run("collect", "--model", str(ARM2 / "real.xml"), "--out", str(held), "--episodes", "2", "--steps", "400",
        "--dt", "0.005", "--seed", "2")
    out = tmp_path / "tuned.xml"
    proc = run("sysid", "--model", str(ARM2 / "sim.xml"), "--data", str(data), "--eval", str(held), "--out", str(out))
    rows = {line[:34].strip(): line[34:].split() for line in proc.stdout.splitlines() if line.startswith("damping")}
    # real.xml has 3x the datasheet damping (scenes/arm2/README.md); the fit must move towards it
    for joint in ("damping shoulder", "damping elbow"):
        nominal, identified, ratio = rows[joint]
        assert float(ratio) > 1.5, proc.stdout
    closed = [line.split() for line in proc.stdout.splitlines() if line.startswith("10 ")]
    assert closed and float(closed[0][3].rstrip("%")) > 50, proc.stdout
    assert "<mujoco" in out.read_text()
    # the identified model is a plain MJCF the rest of the pipeline takes
    run("attach", "--model", str(out), "--residual", str(ROOT / "models/arm2/residual.safetensors"),
        "--out", str(tmp_path / "hybrid.xml"))
    again = run("sysid", "--model", str(ARM2 / "sim.xml"), "--data", str(data), "--out", str(out), ok=False)
    assert "exists" in error_line(again)


def test_study_writes_table_csv_json_and_plots(tmp_path):
    out = tmp_path / "run"
    summary = tmp_path / "summary.json"
    proc = run("study", "--scene", str(ARM2), "--out", str(out), "--json", str(summary), "--seeds", "0,1",
               "--data-seconds", "4", "--episodes", "6", "--eval-episodes", "2", "--steps", "1050",
               "--eval-stride", "25")
    for name in ("results.csv", "study.json", "table.md", "overlay.csv", "error_vs_horizon.png",
                 "gap_vs_data.png", "overlay.png", "sysid.xml", "data/train.h5", "data/test.h5"):
        assert (out / name).exists(), name
    result = json.loads(summary.read_text())
    assert result == json.loads((out / "study.json").read_text())
    assert result["horizons"] == [1, 10, 100, 1000]
    assert set(result["methods"]) == {"nominal", "true-params", "sysid", "sysid+residual", "learned", "hybrid"}
    for name, m in result["methods"].items():
        assert len(m["qpos_rmse"]) == 4 and all(v > 0 for v in m["qpos_rmse"]), name
    assert result["methods"]["hybrid"]["seeds"] == 2
    assert result["methods"]["sysid"]["seeds"] == 1
    # the analytic model is the worst at every horizon, on held-out data
    nominal = result["methods"]["nominal"]["qpos_rmse"]
    for name in ("sysid", "hybrid", "sysid+residual", "true-params"):
        assert result["methods"][name]["qpos_rmse"][2] < nominal[2], name
    # the true parameters are a bound that reads real.xml, labelled as one wherever they appear
    assert "reads real.xml" in result["methods"]["true-params"]["bound"]
    assert "| *true-params (bound: reads real.xml)* | — |" in proc.stdout
    assert {e["data_s"] for e in result["data_efficiency"]} == {4}
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["method"] for r in rows} == set(result["methods"])
    assert {r["seed"] for r in rows if r["method"] == "learned"} == {"0", "1"}
    assert "| hybrid |" in proc.stdout and "| hybrid |" in (out / "table.md").read_text()


def test_study_refuses_what_it_cannot_do_and_overwrites_nothing(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    proc = run("study", "--scene", str(ARM2), "--out", str(out), ok=False)
    assert "exists" in error_line(proc)
    assert (out / "mine.txt").read_text() == "keep me" and len(list(out.iterdir())) == 1

    scene = tmp_path / "half"
    scene.mkdir()
    shutil.copy(ARM2 / "sim.xml", scene / "sim.xml")
    proc = run("study", "--scene", str(scene), "--out", str(tmp_path / "r1"), ok=False)
    assert "real.xml" in error_line(proc)
    assert not (tmp_path / "r1").exists()

    shutil.copy(ARM2 / "real.xml", scene / "real.xml")
    text = (scene / "real.xml").read_text()
    # the same robot with its elbow joint named otherwise
    (scene / "real.xml").write_text(text.replace('<joint name="elbow"', '<joint name="knee"')
                                    .replace('joint="elbow"', 'joint="knee"'))
    proc = run("study", "--scene", str(scene), "--out", str(tmp_path / "r2"), ok=False)
    assert "do not describe the same system" in error_line(proc)
    assert not (tmp_path / "r2").exists()


def study_on_identified_toss(tmp_path, sysid):
    """A small study of a copy of toss whose scene.json says "sysid": SYSID instead of toss's
    own false (so the contact parameters are fitted on the identified model); the run's folder
    and its methods."""
    scene = tmp_path / "toss"
    scene.mkdir()
    for name in ("real.xml", "sim.xml"):
        shutil.copy(ROOT / "scenes/toss" / name, scene / name)
    config = json.loads((ROOT / "scenes/toss/scene.json").read_text())
    assert config["sysid"] is False and config["fit_params"] is True
    config["sysid"] = sysid
    (scene / "scene.json").write_text(json.dumps(config))
    out, summary = tmp_path / "run", tmp_path / "summary.json"
    run("study", "--scene", str(scene), "--out", str(out), "--json", str(summary), "--seeds", "0",
        "--data-seconds", "60", "--episodes", "6", "--eval-episodes", "2", "--steps", "200", "--eval-stride", "25",
        "--no-plots")
    return out, set(json.loads(summary.read_text())["methods"])


def test_study_fits_contact_parameters_on_the_model_the_demo_builds_on(tmp_path):
    """toss as shipped fits its contact parameters on sim.xml ("sysid": false); with sysid on
    the demo fits them on the identified model, and so does the study: the methods are then
    sysid+params and sysid+params+residual, and params.xml builds on sysid.xml."""
    out, methods = study_on_identified_toss(tmp_path, True)
    assert {"sysid", "sysid+params", "sysid+params+residual"} <= methods
    assert not {"params", "params+residual"} & methods
    assert "sysid.xml" in (out / "params.xml").read_text()


def test_study_runs_contact_rounds_beside_the_plain_identification(tmp_path):
    """With "sysid": {"contact_rounds": 1} the study's sysid+params identifies the physical
    parameters again with the fitted pairs in place (sysid-contact.xml) and refits the pairs on
    it; params.xml builds on that model, while sysid.xml, which the sysid rows score and the
    sysid+residual units train on, stays what sysid alone found."""
    out, methods = study_on_identified_toss(tmp_path, {"contact_rounds": 1})
    assert {"sysid", "sysid+params", "sysid+params+residual"} <= methods
    assert "sysid-contact.xml" in (out / "params.xml").read_text()
    identified, contact = (out / "sysid.xml").read_text(), (out / "sysid-contact.xml").read_text()
    # the contact round wrote physical parameters only: no pairs, no plugin instance
    assert "<pair" not in contact and "mjhybrid.residual" not in contact
    assert identified != contact
