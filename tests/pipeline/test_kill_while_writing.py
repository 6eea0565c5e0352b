"""A command killed (SIGKILL) while it writes its output never leaves a file under the output's
name that looks complete but is not: the write goes to '.NAME.partial-PID' and is renamed once
whole (docs/ARCHITECTURE.md, "Files written whole"). The kill is sent the moment the partial
file appears, i.e. in the middle of the write."""

import subprocess
import time
from pathlib import Path

import h5py

from cli_helpers import BIN, ROOT, run

REAL = str(ROOT / "scenes/arm2/real.xml")
SIM = str(ROOT / "scenes/arm2/sim.xml")


def kill_while_writing(args, folder: Path, name: str) -> bool:
    """Runs ARGS in FOLDER and kills it when a partial file of NAME appears; whether it did."""
    proc = subprocess.Popen([BIN, *args], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline:
        if any(folder.glob(f".{name}.partial-*")):
            proc.kill()
            proc.wait()
            return True
    proc.wait()
    return False


def test_a_train_killed_while_writing_its_model_leaves_no_model(tmp_path):
    run("collect", "--model", REAL, "--out", str(tmp_path / "train.h5"), "--episodes", "2", "--steps", "200",
        "--dt", "0.005", "--seed", "1")
    # a wide network makes the model file megabytes, so the write takes long enough to catch
    args = ["train", "--model", SIM, "--data", "train.h5", "--out", "model.safetensors", "--epochs", "1",
            "--hidden", "1024,1024", "--members", "2"]
    caught = 0
    for attempt in range(3):
        if kill_while_writing(args, tmp_path, "model.safetensors"):
            caught += 1
            assert not (tmp_path / "model.safetensors").exists(), "a killed write left a model"
        else:
            # the write was too quick to see: the model it left is whole
            assert (tmp_path / "model.safetensors").stat().st_size > 8_000_000
            (tmp_path / "model.safetensors").unlink()
    assert caught >= 1, "no kill landed during the write"
    # what is left is the partial file, named as such, and nothing an eval would take
    assert all(p.name.startswith(".model.safetensors.partial-") for p in tmp_path.iterdir()
               if p.name not in ("train.h5",))


def test_a_collect_killed_while_writing_its_dataset_leaves_no_dataset(tmp_path):
    args = ["collect", "--model", REAL, "--out", "data.h5", "--episodes", "200", "--steps", "200", "--dt", "0.005"]
    assert kill_while_writing(args, tmp_path, "data.h5"), "no kill landed during the write"
    assert not (tmp_path / "data.h5").exists()
    # a dataset the command finishes is whole
    run(*args, cwd=tmp_path)
    with h5py.File(tmp_path / "data.h5") as f:
        assert len(f["episodes"]) == 200
