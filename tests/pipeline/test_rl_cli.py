"""`mjhybrid policy-train`, `policy-eval`, `mpc` and `transfer` end to end, with tiny budgets."""

import csv
import json
import shutil

from cli_helpers import ROOT, error_line, run

ARM2 = ROOT / "scenes" / "arm2"


def test_policy_train_writes_a_checkpoint_and_its_curve_then_eval_scores_it(tmp_path):
    policy = tmp_path / "policy.pt"
    proc = run("policy-train", "--model", str(ARM2 / "sim.xml"), "--score-on", str(ARM2 / "real.xml"),
               "--out", str(policy), "--steps", "4096", "--envs", "4", "--episodes", "2", "--rollout", "16")
    assert "steps" in proc.stdout
    rows = list(csv.DictReader(open(tmp_path / "policy.curve.csv")))
    assert len(rows) >= 2 and all(r["scored_on"].endswith("real.xml") for r in rows)
    sidecar = json.loads((tmp_path / "policy.json").read_text())
    assert sidecar["scene"] == "arm2" and sidecar["task"] == "reach" and sidecar["git"]
    out = tmp_path / "eval.json"
    proc = run("policy-eval", "--model", str(ARM2 / "real.xml"), "--policy", str(policy), "--episodes", "3",
               "--json", str(out))
    result = json.loads(out.read_text())
    assert len(result["returns"]) == 3 and result["return"] < 0  # a cost: minus the distance to the goal
    # nothing is overwritten without --force
    again = run("policy-train", "--model", str(ARM2 / "sim.xml"), "--out", str(policy), "--steps", "1024", ok=False)
    assert "exists" in error_line(again)


def test_a_policy_for_another_scene_or_an_unknown_task_is_refused(tmp_path):
    policy = tmp_path / "arm2.pt"
    run("policy-train", "--model", str(ARM2 / "sim.xml"), "--out", str(policy), "--steps", "1024", "--envs", "2",
        "--episodes", "1", "--rollout", "16")
    other = run("policy-eval", "--model", str(ROOT / "scenes/push/real.xml"), "--policy", str(policy), ok=False)
    assert "trained for scene 'arm2', not 'push'" in error_line(other)
    scene = tmp_path / "scene"
    shutil.copytree(ARM2, scene)
    task = json.loads((scene / "task.json").read_text())
    task["reward"][0]["term"] = "happiness"
    (scene / "task.json").write_text(json.dumps(task))
    bad = run("policy-eval", "--model", str(scene / "real.xml"), "--policy", str(policy), ok=False)
    assert "valid terms" in error_line(bad)
    (scene / "task.json").unlink()
    missing = run("mpc", "--model", str(scene / "real.xml"), "--planner", str(scene / "hybrid.xml"), ok=False)
    assert "no task.json" in error_line(missing)


def test_mpc_plans_on_one_world_and_acts_on_another(tmp_path):
    out = tmp_path / "mpc.json"
    run("mpc", "--model", str(ARM2 / "real.xml"), "--planner", str(ARM2 / "hybrid.xml"), "--episodes", "1",
        "--horizon", "10", "--samples", "8", "--json", str(out))
    result = json.loads(out.read_text())
    assert result["planner"].endswith("hybrid.xml") and len(result["returns"]) == 1
    assert result["return"] > -60  # idle, the arm hangs ~0.9 m from the goal: about -90


def test_transfer_writes_the_contract_json_table_and_csv(tmp_path):
    out, summary = tmp_path / "run", tmp_path / "transfer.json"
    methods = "nominal,randomized,hybrid,oracle,mpc-nominal,mpc-hybrid"
    run("transfer", "--scene", str(ARM2), "--out", str(out), "--json", str(summary), "--methods", methods,
        "--seeds", "0", "--steps", "2048", "--envs", "4", "--rollout", "16", "--eval-episodes", "2", "--evals", "2",
        "--mpc-episodes", "1", "--horizon", "5", "--samples", "4", "--no-plots")
    result = json.loads(summary.read_text())
    assert set(result["methods"]) == set(methods.split(","))
    for name, m in result["methods"].items():
        assert isinstance(m["real_return"], float) and m["real_return_std"] >= 0, name
    rows = [l for l in (out / "table.md").read_text().splitlines() if l.startswith("| ") and "| method |" not in l]
    assert [r.split("|")[1].strip() for r in rows] == methods.split(",")
    curves = list(csv.DictReader(open(out / "curves.csv")))
    assert {r["method"] for r in curves} == {"nominal", "randomized", "hybrid", "oracle"}
    assert (out / "oracle-s0.pt").exists()
    # a run folder is never reused, and a scene needs its task
    again = run("transfer", "--scene", str(ARM2), "--out", str(out), ok=False)
    assert "exists" in error_line(again)
    nowhere = run("transfer", "--scene", str(ROOT / "scenes/toss"), "--out", str(tmp_path / "t"), ok=False)
    assert "task.json" in error_line(nowhere)
    unknown = run("transfer", "--scene", str(ARM2), "--out", str(tmp_path / "u"), "--methods", "magic", ok=False)
    assert "unknown method 'magic'" in error_line(unknown)


def test_the_viewer_drives_its_worlds_with_a_trained_policy(tmp_path):
    import os
    import subprocess
    from cli_helpers import BIN
    viewer = os.path.join(os.path.dirname(BIN), "mjhybrid-viewer")
    policy = tmp_path / "arm2.pt"
    run("policy-train", "--model", str(ARM2 / "hybrid.xml"), "--out", str(policy), "--steps", "2048", "--envs", "4",
        "--episodes", "1", "--rollout", "16")
    csv_path = tmp_path / "series.csv"
    proc = subprocess.run([viewer, str(ARM2), "--headless", "--steps", "200", "--control", "policy", "--policy",
                           str(policy), "--csv", str(csv_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(open(csv_path)))
    assert len(rows) == 201
    # the policy's controls move the arm: the real shoulder leaves its start
    assert abs(float(rows[-1]["real.shoulder"]) - float(rows[0]["real.shoulder"])) > 1e-3
    wrong = subprocess.run([viewer, str(ROOT / "scenes/push"), "--headless", "--control", "policy", "--policy",
                            str(policy)], capture_output=True, text=True, timeout=120)
    assert wrong.returncode != 0 and "trained for scene 'arm2', not 'push'" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
