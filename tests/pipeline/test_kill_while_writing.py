"""A command killed (SIGKILL) while it writes its output never leaves a file under the output's
name that looks complete but is not: the write goes to '.NAME.partial-PID' and is renamed once
whole (docs/ARCHITECTURE.md, "Files written whole"). The kill is sent the moment the partial
file appears, i.e. in the middle of the write."""

import json
import struct
import subprocess
import time
from pathlib import Path

import h5py

from cli_helpers import BIN, ROOT, run

REAL = str(ROOT / "scenes/arm2/real.xml")
SIM = str(ROOT / "scenes/arm2/sim.xml")


def kill_while_writing(args, folder: Path, name: str) -> bool:
    """Runs ARGS in FOLDER and kills it when its own partial file of NAME appears (an earlier
    attempt's partial, named by another PID, must not trigger the kill); whether it did."""
    proc = subprocess.Popen([BIN, *args], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    partial = folder / f".{name}.partial-{proc.pid}"
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline:
        if partial.exists():
            proc.kill()
            proc.wait()
            return True
    proc.wait()
    return False


def is_whole_safetensors(path: Path) -> bool:
    """Whether PATH holds every byte its safetensors header promises."""
    data = path.read_bytes()
    if len(data) < 8:
        return False
    header_size = struct.unpack("<Q", data[:8])[0]
    if 8 + header_size > len(data):
        return False
    header = json.loads(data[8:8 + header_size])
    end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    return len(data) == 8 + header_size + end


def test_a_train_killed_while_writing_its_model_leaves_no_model(tmp_path):
    run("collect", "--model", REAL, "--out", str(tmp_path / "train.h5"), "--episodes", "2", "--steps", "200",
        "--dt", "0.005", "--seed", "1")
    # a wide network makes the model file megabytes, so the write takes long enough to catch
    args = ["train", "--model", SIM, "--data", "train.h5", "--out", "model.safetensors", "--epochs", "1",
            "--hidden", "1024,1024", "--members", "2"]
    cut_short = 0
    for attempt in range(5):
        model = tmp_path / "model.safetensors"
        if kill_while_writing(args, tmp_path, "model.safetensors") and not model.exists():
            cut_short += 1
            break
        # the write was too quick to see, or the kill landed just after the rename (the partial was
        # seen, then the write ended): the model is the finished one, never a model cut short
        assert is_whole_safetensors(model), "a killed write left a model cut short"
        assert model.stat().st_size > 8_000_000
        model.unlink()
    assert cut_short == 1, "no kill landed during the write in 5 tries"
    # what is left is the partial file, named as such, and nothing an eval would take
    assert all(p.name.startswith(".model.safetensors.partial-") for p in tmp_path.iterdir()
               if p.name not in ("train.h5",))


def test_a_collect_killed_while_writing_its_dataset_leaves_no_dataset(tmp_path):
    args = ["collect", "--model", REAL, "--out", "data.h5", "--episodes", "200", "--steps", "200", "--dt", "0.005"]
    for attempt in range(3):
        if kill_while_writing(args, tmp_path, "data.h5") and not (tmp_path / "data.h5").exists():
            break
        # a kill just after the rename leaves the finished dataset, never one cut short
        with h5py.File(tmp_path / "data.h5") as f:
            assert len(f["episodes"]) == 200
        (tmp_path / "data.h5").unlink()
    else:
        raise AssertionError("no kill landed during the write in 3 tries")
    # a dataset the command finishes is whole
    run(*args, cwd=tmp_path)
    with h5py.File(tmp_path / "data.h5") as f:
        assert len(f["episodes"]) == 200
