"""A study stopped at any moment resumes with `--resume` and ends with the results of an
uninterrupted run (fit times aside): kill -9 between units and in the middle of one, and Ctrl-C,
which also says how to resume."""

import json
import signal

import pytest

from cli_helpers import ROOT, error_line, run, stop_after_units, study_conclusions

ARM2 = ROOT / "scenes" / "arm2"
QUICK = ["--seeds", "0,1", "--data-seconds", "3", "--episodes", "4", "--eval-episodes", "2", "--steps", "400",
         "--eval-stride", "20", "--no-plots"]


def study_args(out):
    return ["study", "--scene", str(ARM2), "--out", str(out), *QUICK]


def stop_after(out, units, sig, cwd):
    return stop_after_units(study_args(out), out, units, sig, cwd)


def results(out):
    """What a study concludes, without the wall times (fit seconds, the run's seconds)."""
    rows, summary = study_conclusions(out)
    return rows, summary, (out / "overlay.csv").read_text(), (out / "sysid.xml").read_text()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("study") / "whole"
    run(*study_args(out))
    return results(out)


def test_fit_seconds_are_what_results_leave_out(uninterrupted):
    rows, summary, _, _ = uninterrupted
    assert rows and {r["method"] for r in rows} >= {"nominal", "sysid", "hybrid", "learned"}
    assert "hybrid" in summary["methods"]


@pytest.mark.parametrize("recorded", [4, 9])
def test_kill_9_then_resume_gives_the_uninterrupted_results(tmp_path, uninterrupted, recorded):
    out = tmp_path / "run"
    code, _ = stop_after(out, recorded, signal.SIGKILL, tmp_path)
    assert code == -signal.SIGKILL
    assert not (out / "study.json").exists()
    proc = run("study", "--resume", "run", cwd=tmp_path)
    assert "resuming" in proc.stderr and "recorded" in proc.stderr
    assert results(out) == uninterrupted


def test_ctrl_c_says_how_to_resume_and_the_resumed_run_matches(tmp_path, uninterrupted):
    out = tmp_path / "run"
    code, stderr = stop_after(out, 6, signal.SIGINT, tmp_path)
    assert code == -signal.SIGINT
    assert f"stopped; resume with: mjhybrid study --resume {out}" in stderr
    run("study", "--resume", str(out), cwd=tmp_path)
    assert results(out) == uninterrupted


def test_resume_refuses_what_it_cannot_resume(tmp_path):
    proc = run("study", "--resume", str(tmp_path / "nothing"), ok=False)
    assert "not a run folder" in error_line(proc)
    (tmp_path / "plain").mkdir()
    proc = run("study", "--resume", str(tmp_path / "plain"), ok=False)
    assert "no progress.json" in error_line(proc)
    run_folder = tmp_path / "run"
    run_folder.mkdir()
    (run_folder / "progress.json").write_text(json.dumps(
        {"command": "transfer", "arguments": ["transfer"], "directory": str(tmp_path), "units": {}}))
    proc = run("study", "--resume", str(run_folder), cwd=tmp_path, ok=False)
    assert "is a transfer run" in error_line(proc)
    (run_folder / "progress.json").write_text(json.dumps(
        {"command": "study", "arguments": ["study"], "directory": "/elsewhere", "units": {}}))
    proc = run("study", "--resume", str(run_folder), cwd=tmp_path, ok=False)
    assert "was started in /elsewhere" in error_line(proc)
    proc = run("study", "--resume", str(run_folder), "--seeds", "3", cwd=tmp_path, ok=False)
    assert "nothing else" in error_line(proc)
