"""A transfer run stopped at any moment resumes with `--resume` and ends with the policies and
results of an uninterrupted run (wall times aside)."""

import json
import signal

import pytest

from cli_helpers import ROOT, run, stop_after_units, transfer_conclusions

ARM2 = ROOT / "scenes" / "arm2"
QUICK = ["--methods", "nominal,hybrid,mpc-nominal", "--seeds", "0,1", "--steps", "4096", "--envs", "4",
         "--eval-episodes", "2", "--evals", "2", "--mpc-episodes", "2", "--samples", "8", "--horizon", "10",
         "--no-plots"]
POLICIES = ["nominal-s0.pt", "nominal-s1.pt", "hybrid-s0.pt", "hybrid-s1.pt"]


def transfer_args(out):
    return ["transfer", "--scene", str(ARM2), "--out", str(out), *QUICK]


def results(out):
    """What a transfer run concludes, without wall times; its policies byte for byte."""
    summary = transfer_conclusions(out)
    files = {name: (out / name).read_bytes() for name in ("curves.csv", "returns.csv", *POLICIES)}
    return summary, files


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("transfer") / "whole"
    run(*transfer_args(out))
    return results(out)


@pytest.mark.parametrize("units,sig", [(2, signal.SIGKILL), (4, signal.SIGTERM)])
def test_stopped_then_resumed_gives_the_uninterrupted_results(tmp_path, uninterrupted, units, sig):
    out = tmp_path / "run"
    code, stderr = stop_after_units(transfer_args(out), out, units, sig, tmp_path)
    assert code == -sig
    assert not (out / "transfer.json").exists()
    if sig != signal.SIGKILL:
        assert f"resume with: mjhybrid transfer --resume {out}" in stderr
    # what the stopped run wrote is whole: its rows so far, never a half-written one
    for name in ("curves.csv", "returns.csv"):
        if (out / name).exists():
            assert (out / name).read_text().endswith("\n"), name
    proc = run("transfer", "--resume", "run", cwd=tmp_path)
    assert "resuming" in proc.stdout
    assert results(out) == uninterrupted
    assert json.loads((out / "transfer.json").read_text())["methods"].keys() == {"nominal", "hybrid", "mpc-nominal"}
