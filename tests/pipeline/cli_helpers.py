"""Running the mjhybrid command line from the pipeline tests."""

import os
import subprocess
from pathlib import Path

BIN = os.environ.get("MJHYBRID_BIN", "build/bin/mjhybrid")
ROOT = Path(os.environ.get("MJHYBRID_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def run(*args: str, ok: bool = True, cwd=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=600, cwd=cwd)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


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
