"""Running the mjhybrid command line from the pipeline tests."""

import csv
import json
import os
import subprocess
import time
from pathlib import Path

BIN = os.environ.get("MJHYBRID_BIN", "build/bin/mjhybrid")
ROOT = Path(os.environ.get("MJHYBRID_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def run(*args: str, ok: bool = True, cwd=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=600, cwd=cwd)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def collect_train_and_test(real: str, folder: Path, episodes: int, steps: int) -> None:
    """folder/train.h5 (seed 1) and a 2-episode folder/test.h5 (seed 2) from REAL at 5 ms."""
    for name, count, seed in (("train.h5", episodes, 1), ("test.h5", 2, 2)):
        run("collect", "--model", real, "--out", str(folder / name), "--episodes", str(count),
            "--steps", str(steps), "--dt", "0.005", "--seed", str(seed))


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one error line a failing command prints."""
    assert proc.returncode != 0, "the command should have failed"
    lines = [l for l in proc.stderr.splitlines() if l.startswith("mjhybrid: error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def model_metadata(path) -> dict:
    """The 'mjhybrid' metadata JSON of a safetensors residual model."""
    import json
    raw = Path(path).read_bytes()
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    return json.loads(header["__metadata__"]["mjhybrid"])


def recorded_units(out: Path) -> int:
    """The units of work a run folder's journal (progress.json) has recorded; 0 before it exists."""
    try:
        return len(json.loads((out / "progress.json").read_text())["units"])
    except (OSError, ValueError):
        return 0


def stop_after_units(args, out: Path, units: int, sig: int, cwd) -> tuple:
    """Starts the command ARGS writing run folder OUT, waits until its journal has UNITS units,
    sends SIG; the exit code and stderr."""
    proc = subprocess.Popen([BIN, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while recorded_units(out) < units:
        assert proc.poll() is None, "the run ended before it could be stopped"
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr


def study_conclusions(out: Path) -> tuple:
    """A study's results.csv rows and study.json without the wall times (fit seconds, the run's
    seconds) and the build it ran on: what two runs of the same study must agree on."""
    with open(out / "results.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["metric"] != "fit_seconds"]
    summary = json.loads((out / "study.json").read_text())
    for key in ("seconds", "versions", "git"):
        summary.pop(key)
    for method in summary["methods"].values():
        method.pop("fit_seconds", None)
    for entry in summary["data_efficiency"]:
        entry.pop("fit_seconds", None)
    return rows, summary


def transfer_conclusions(out: Path) -> dict:
    """transfer.json without the wall times and the build it ran on."""
    summary = json.loads((out / "transfer.json").read_text())
    for key in ("seconds", "versions", "git"):
        summary.pop(key)
    for method in summary["methods"].values():
        method.pop("seconds")
    return summary
