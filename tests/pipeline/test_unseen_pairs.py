"""The generalization pairs (tests/unseen*/): each is a real/sim pair the pipeline can run with
default settings, so scripts/generalization.sh cannot fail on a layout mismatch or a bad
protocol. Checks the files only; the figures come from generalization.sh."""

import json
from pathlib import Path

import h5py
import mujoco
import numpy as np
import pytest

from cli_helpers import ROOT, run

PAIRS = sorted(p for p in ROOT.glob("tests/unseen*/*") if (p / "real.xml").is_file())


def names(m: mujoco.MjModel, kind: mujoco.mjtObj, count: int) -> list:
    return [mujoco.mj_id2name(m, kind, i) for i in range(count)]


def test_there_are_pairs_written_before_and_after_the_defaults_were_chosen() -> None:
    # unseen: before the Huber loss; unseen2: after it; unseen3: after sysid-first
    folders = {p.parent.name for p in PAIRS}
    assert folders == {"unseen", "unseen2", "unseen3"}, PAIRS
    assert len(PAIRS) >= 6


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_pair_shares_the_layout_and_collects(pair: Path, tmp_path: Path) -> None:
    sim = mujoco.MjModel.from_xml_path(str(pair / "sim.xml"))
    real = mujoco.MjModel.from_xml_path(str(pair / "real.xml"))
    assert (sim.nq, sim.nv, sim.nu) == (real.nq, real.nv, real.nu)
    assert names(sim, mujoco.mjtObj.mjOBJ_JOINT, sim.njnt) == names(real, mujoco.mjtObj.mjOBJ_JOINT, real.njnt)
    assert names(sim, mujoco.mjtObj.mjOBJ_ACTUATOR, sim.nu) == names(real, mujoco.mjtObj.mjOBJ_ACTUATOR, real.nu)
    assert (pair / "README.md").is_file()
    # nothing per pair may steer the pipeline: the defaults are what is being tested
    assert not {"train", "sysid", "fit_params"} & set(json.loads((pair / "scene.json").read_text()))
    out = tmp_path / "d.h5"
    run("collect", "--model", str(pair / "real.xml"), "--protocol", str(pair / "scene.json"),
        "--dt", repr(sim.opt.timestep), "--episodes", "2", "--steps", "100", "--out", str(out))
    with h5py.File(out) as f:
        qpos = np.concatenate([f[f"episodes/{k}/qpos"][:] for k in f["episodes"]])
    assert np.all(np.isfinite(qpos)) and np.ptp(qpos, axis=0).max() > 0
