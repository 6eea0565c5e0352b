"""policy-train stopped at any moment resumes from its last score with `--resume POLICY` and
writes the policy an uninterrupted run writes, weight for weight (on the hybrid scene, whose
residual plugin keeps state in every mjData)."""

import json
import signal
import subprocess
import time

import pytest
import torch

from cli_helpers import BIN, ROOT, error_line, run

ARGS = ["policy-train", "--model", str(ROOT / "scenes" / "arm2" / "hybrid.xml"), "--steps", "20000", "--envs", "4",
        "--episodes", "2", "--seed", "3"]


def weights(path):
    """A policy file's tensors (LibTorch writes a TorchScript archive; its bytes name the file)."""
    module = torch.jit.load(str(path))
    return {name: t for name, t in [*module.named_parameters(), *module.named_buffers()]}


def outcome(folder, stem):
    summary = json.loads((folder / f"{stem}.json").read_text())
    for key in ("seconds", "policy", "versions", "git"):
        summary.pop(key)
    return summary, (folder / f"{stem}.curve.csv").read_text(), weights(folder / f"{stem}.pt")


pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("policy")
    run(*ARGS, "--out", "whole.pt", cwd=folder)
    assert not (folder / "whole.state.pt").exists(), "a finished run leaves nothing to resume"
    return outcome(folder, "whole")


def stop_at_a_saved_state(folder, sig):
    proc = subprocess.Popen([BIN, *ARGS, "--out", "cut.pt"], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (folder / "cut.state.pt").exists():
        assert proc.poll() is None, "the training ended before it saved a state"
        assert time.time() < deadline
        time.sleep(0.01)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == -sig
    return stderr


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_stopped_training_resumes_to_the_same_policy(tmp_path, uninterrupted, sig):
    stderr = stop_at_a_saved_state(tmp_path, sig)
    assert not (tmp_path / "cut.pt").exists()
    if sig == signal.SIGINT:
        assert "resume with: mjhybrid policy-train --resume cut.pt" in stderr
    proc = run("policy-train", "--resume", "cut.pt", cwd=tmp_path)
    assert "resuming from" in proc.stdout
    summary, curve, w = outcome(tmp_path, "cut")
    expected_summary, expected_curve, expected_w = uninterrupted
    assert summary == expected_summary and curve == expected_curve
    assert w.keys() == expected_w.keys() and all(torch.equal(w[k], expected_w[k]) for k in w)
    assert not (tmp_path / "cut.state.pt").exists()


def test_resume_refuses_a_finished_or_foreign_training(tmp_path, uninterrupted):
    short = [a if a != "20000" else "2000" for a in ARGS]
    run(*short, "--out", "done.pt", cwd=tmp_path)
    proc = run("policy-train", "--resume", "done.pt", cwd=tmp_path, ok=False)
    assert "no training state" in error_line(proc)
    (tmp_path / "junk.state.pt").write_bytes(b"not an archive")
    proc = run("policy-train", "--resume", "junk.pt", cwd=tmp_path, ok=False)
    assert "is corrupt" in error_line(proc)
