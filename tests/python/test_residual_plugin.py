"""mjhybrid.residual through MuJoCo's Python bindings.

The plugin library comes from MJHYBRID_PLUGIN (CTest sets it to the built libmjhybrid.so).
Model files are written here with numpy, json and struct only, in the documented format
(plugin/core/residual_model.h), so these tests also pin the file format from the Python side.
"""

from __future__ import annotations

import copy
import json
import os
import pathlib
import re
import struct

import mujoco
import numpy as np
import pytest
from mujoco import rollout

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIM_XML = ROOT / "scenes" / "arm2" / "sim.xml"
SHIPPED_HYBRID_XML = ROOT / "scenes" / "arm2" / "hybrid.xml"
SHIPPED_MODEL = ROOT / "models" / "arm2" / "residual.safetensors"
STEPS = 1000
JOINT_TYPES = {
    int(mujoco.mjtJoint.mjJNT_FREE): "free",
    int(mujoco.mjtJoint.mjJNT_BALL): "ball",
    int(mujoco.mjtJoint.mjJNT_SLIDE): "slide",
    int(mujoco.mjtJoint.mjJNT_HINGE): "hinge",
}


# the built plugin, loaded once per session (conftest.py)
pytestmark = pytest.mark.usefixtures("plugin_library")


# ---------------------------------------------------------------- model files from Python


def write_safetensors(path: pathlib.Path, tensors: dict[str, np.ndarray],
                      metadata: dict[str, str]) -> None:
    """8-byte little-endian header length, JSON header, then raw little-endian float32."""
    header: dict[str, object] = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def scene_signature(model: mujoco.MjModel) -> dict:
    joints = [{"name": mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, j),
               "type": JOINT_TYPES[int(model.jnt_type[j])],
               "qposadr": int(model.jnt_qposadr[j]), "dofadr": int(model.jnt_dofadr[j])}
              for j in range(model.njnt)]
    actuators = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_ACTUATOR, a)
                 for a in range(model.nu)]
    return {"nq": model.nq, "nv": model.nv, "nu": model.nu,
            "timestep": float(model.opt.timestep), "joints": joints, "actuators": actuators}


class RandomResidual:
    """A random MLP ensemble for a hinge-only scene, with a numpy reference forward pass."""

    def __init__(self, model: mujoco.MjModel, ctrl_history: int = 2, members: int = 2,
                 hidden: int = 16, seed: int = 0) -> None:
        assert all(t == mujoco.mjtJoint.mjJNT_HINGE for t in model.jnt_type)
        rng = np.random.default_rng(seed)
        self.signature = scene_signature(model)
        self.ctrl_history = ctrl_history
        self.nin = 2 * model.njnt + model.nv + model.nu * (1 + ctrl_history)
        self.nout = model.nv
        self.input_mean = rng.uniform(-0.2, 0.2, self.nin).astype(np.float32)
        self.input_std = rng.uniform(0.5, 2.0, self.nin).astype(np.float32)
        self.input_min = np.full(self.nin, -8, np.float32)
        self.input_max = np.full(self.nin, 8, np.float32)
        self.output_mean = rng.uniform(-0.1, 0.1, self.nout).astype(np.float32)
        self.output_std = np.full(self.nout, 0.5, np.float32)
        self.output_bound = np.full(self.nout, 2.0, np.float32)
        widths = [self.nin, hidden, hidden, self.nout]
        self.members = [[(rng.uniform(-1, 1, (widths[l + 1], widths[l])).astype(np.float32),
                          rng.uniform(-1, 1, widths[l + 1]).astype(np.float32))
                         for l in range(len(widths) - 1)] for _ in range(members)]

    def metadata(self) -> dict:
        return {
            "format": "mjhybrid.residual/1",
            "signature": self.signature,
            "features": {"ctrl_history": self.ctrl_history},
            "input": {"mean": self.input_mean.tolist(), "std": self.input_std.tolist(),
                      "min": self.input_min.tolist(), "max": self.input_max.tolist()},
            "output": {"kind": "qfrc", "mean": self.output_mean.tolist(),
                       "std": self.output_std.tolist(), "bound": self.output_bound.tolist()},
            "network": {"backend": "mlp", "members": len(self.members),
                        "layers": len(self.members[0]), "activation": "tanh"},
            "provenance": {"data": "random weights, tests/python"},
        }

    def save(self, path: pathlib.Path) -> pathlib.Path:
        tensors = {}
        for e, member in enumerate(self.members):
            for l, (w, b) in enumerate(member):
                tensors[f"member{e}.layer{l}.weight"] = w
                tensors[f"member{e}.layer{l}.bias"] = b
        write_safetensors(path, tensors, {"mjhybrid": json.dumps(self.metadata())})
        return path

    def reference(self, model: mujoco.MjModel, data: mujoco.MjData, scale: float = 1.0):
        """The residual force for data's state, computed independently of the plugin."""
        angles = data.qpos[model.jnt_qposadr]
        history = data.plugin_state[:model.nu * self.ctrl_history]
        features = np.concatenate([np.stack([np.sin(angles), np.cos(angles)], 1).ravel(),
                                   data.qvel, data.ctrl, history])
        x = (np.clip(features, self.input_min, self.input_max) - self.input_mean) / self.input_std
        outputs = []
        for member in self.members:
            a = x
            for l, (w, b) in enumerate(member):
                a = w.astype(np.float64) @ a + b
                if l + 1 < len(member):
                    a = np.tanh(a)
            outputs.append(a)
        y = np.mean(outputs, axis=0) * self.output_std + self.output_mean
        return scale * np.clip(y, -self.output_bound, self.output_bound)


def hybrid_xml(sim_text: str, model_path: str, mode: str = "augment", extra: str = "") -> str:
    """sim.xml with an mjhybrid.residual instance right after <compiler .../>."""
    extension = (
        '\n  <extension>\n    <plugin plugin="mjhybrid.residual">\n'
        '      <instance name="residual">\n'
        f'        <config key="model" value="{model_path}"/>\n'
        f'        <config key="mode" value="{mode}"/>\n{extra}'
        '      </instance>\n    </plugin>\n  </extension>\n')
    match = re.search(r"<compiler\b[^>]*/>", sim_text)
    assert match, "sim.xml has no <compiler .../>"
    return sim_text[:match.end()] + extension + sim_text[match.end():]


# ---------------------------------------------------------------- helpers


def random_controls(model: mujoco.MjModel, steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low, high = model.actuator_ctrlrange[:, 0], model.actuator_ctrlrange[:, 1]
    return rng.uniform(low, high, (steps, model.nu))


def roll(model: mujoco.MjModel, data: mujoco.MjData, controls: np.ndarray) -> np.ndarray:
    """qpos after every step."""
    qpos = np.empty((len(controls), model.nq))
    for k, u in enumerate(controls):
        data.ctrl[:] = u
        mujoco.mj_step(model, data)
        qpos[k] = data.qpos
    return qpos


def compare_with_sim(hybrid: mujoco.MjModel) -> None:
    """1000 steps of hybrid and sim with the same controls: finite, and not the same."""
    sim = mujoco.MjModel.from_xml_path(str(SIM_XML))
    controls = random_controls(sim, STEPS, seed=1)
    hybrid_data = mujoco.MjData(hybrid)
    q_hybrid = roll(hybrid, hybrid_data, controls)
    q_sim = roll(sim, mujoco.MjData(sim), controls)
    assert np.all(np.isfinite(q_hybrid))
    assert np.all(np.isfinite(hybrid_data.qvel))
    assert np.max(np.abs(q_hybrid - q_sim)) > 1e-3


@pytest.fixture
def sim_model() -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_path(str(SIM_XML))


# ---------------------------------------------------------------- tests


def test_shipped_hybrid_scene_from_another_directory(tmp_path, monkeypatch):
    assert SHIPPED_HYBRID_XML.exists() and SHIPPED_MODEL.exists()
    # the relative model path must resolve against the repository, not the working directory
    monkeypatch.delenv("MJHYBRID_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    hybrid = mujoco.MjModel.from_xml_path(str(SHIPPED_HYBRID_XML))
    assert hybrid.nplugin == 1
    compare_with_sim(hybrid)


def test_generated_model_with_absolute_path(tmp_path, monkeypatch, sim_model):
    residual = RandomResidual(sim_model, seed=2)
    path = residual.save(tmp_path / "random.safetensors")
    monkeypatch.chdir(tmp_path)
    xml_path = tmp_path / "hybrid.xml"
    xml_path.write_text(hybrid_xml(SIM_XML.read_text(), str(path)))
    hybrid = mujoco.MjModel.from_xml_path(str(xml_path))
    assert hybrid.nplugin == 1
    # control history, a step counter, then 4 diagnostics (saturated last/total, spread last/total)
    assert hybrid.npluginstate == sim_model.nu * residual.ctrl_history + 5
    compare_with_sim(hybrid)


def test_residual_matches_numpy_reference(tmp_path, sim_model):
    residual = RandomResidual(sim_model, ctrl_history=3, members=3, seed=3)
    path = residual.save(tmp_path / "reference.safetensors")
    extra = '        <config key="scale" value="0.75"/>\n'
    hybrid = mujoco.MjModel.from_xml_string(hybrid_xml(SIM_XML.read_text(), str(path), extra=extra))
    hybrid_data, sim_data = mujoco.MjData(hybrid), mujoco.MjData(sim_model)
    rng = np.random.default_rng(4)
    history = sim_model.nu * residual.ctrl_history
    for _ in range(20):
        # the same random state in both, and a random control history in the hybrid
        sim_data.qpos[:] = hybrid_data.qpos[:] = rng.uniform(-3, 3, sim_model.nq)
        sim_data.qvel[:] = hybrid_data.qvel[:] = rng.uniform(-6, 6, sim_model.nv)
        sim_data.ctrl[:] = hybrid_data.ctrl[:] = rng.uniform(-3, 3, sim_model.nu)
        hybrid_data.plugin_state[:history] = rng.uniform(-3, 3, history)
        mujoco.mj_forward(hybrid, hybrid_data)
        mujoco.mj_forward(sim_model, sim_data)
        got = hybrid_data.qfrc_passive - sim_data.qfrc_passive
        np.testing.assert_allclose(got, residual.reference(hybrid, hybrid_data, 0.75),
                                   rtol=1e-4, atol=1e-5)


def test_relative_model_path_resolves_against_mjhybrid_root(tmp_path, monkeypatch, sim_model):
    root = tmp_path / "root"
    (root / "models").mkdir(parents=True)
    RandomResidual(sim_model, seed=5).save(root / "models" / "relative.safetensors")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    xml = hybrid_xml(SIM_XML.read_text(), "models/relative.safetensors")
    monkeypatch.setenv("MJHYBRID_ROOT", str(root))
    assert mujoco.MjModel.from_xml_string(xml).nplugin == 1
    # the same text with another root: the error names the model and the folders it tried
    monkeypatch.setenv("MJHYBRID_ROOT", str(elsewhere))
    with pytest.raises(ValueError, match=re.escape("'models/relative.safetensors' is in none of "
                                                   f"the folders a relative model is looked up in ({elsewhere})")):
        mujoco.MjModel.from_xml_string(xml)
    # $MJHYBRID_MODEL_PATH's folders are looked in before the root (docs/INSTALL.md)
    monkeypatch.setenv("MJHYBRID_MODEL_PATH", f"/nonexistent:{root}")
    assert mujoco.MjModel.from_xml_string(xml).nplugin == 1


def test_bad_model_path_raises_value_error_naming_the_file(tmp_path):
    missing = tmp_path / "no_such_residual.safetensors"
    with pytest.raises(ValueError, match="no_such_residual.safetensors"):
        mujoco.MjModel.from_xml_string(hybrid_xml(SIM_XML.read_text(), str(missing)))


def test_bad_mode_raises_value_error_naming_the_key(tmp_path, sim_model):
    path = RandomResidual(sim_model, seed=6).save(tmp_path / "mode.safetensors")
    with pytest.raises(ValueError, match="'mode' is 'fast'"):
        mujoco.MjModel.from_xml_string(hybrid_xml(SIM_XML.read_text(), str(path), mode="fast"))


def test_off_mode_is_bit_identical_to_sim(tmp_path, sim_model):
    path = RandomResidual(sim_model, seed=7).save(tmp_path / "off.safetensors")
    hybrid = mujoco.MjModel.from_xml_string(hybrid_xml(SIM_XML.read_text(), str(path), "off"))
    controls = random_controls(sim_model, STEPS, seed=8)
    q_hybrid = roll(hybrid, mujoco.MjData(hybrid), controls)
    q_sim = roll(sim_model, mujoco.MjData(sim_model), controls)
    assert q_hybrid.tobytes() == q_sim.tobytes()


def test_copy_preserves_plugin_state(tmp_path, sim_model):
    residual = RandomResidual(sim_model, ctrl_history=4, seed=9)
    path = residual.save(tmp_path / "copy.safetensors")
    hybrid = mujoco.MjModel.from_xml_string(hybrid_xml(SIM_XML.read_text(), str(path)))
    controls = random_controls(hybrid, 80, seed=10)
    original = mujoco.MjData(hybrid)
    roll(hybrid, original, controls[:30])
    history = hybrid.nu * residual.ctrl_history
    # the history holds the last controls, newest first
    np.testing.assert_array_equal(original.plugin_state[:history],
                                  controls[29:25:-1].ravel())

    shallow = copy.copy(original)
    deep = copy.deepcopy(original)
    existing = mujoco.MjData(hybrid)
    mujoco.mj_copyData(existing, hybrid, original)
    for data in (shallow, deep, existing):
        np.testing.assert_array_equal(data.plugin_state, original.plugin_state)

    expected = roll(hybrid, original, controls[30:])
    for data in (shallow, deep, existing):
        assert roll(hybrid, data, controls[30:]).tobytes() == expected.tobytes()


def test_threaded_rollout_matches_sequential_steps(tmp_path, sim_model):
    residual = RandomResidual(sim_model, ctrl_history=2, seed=11)
    path = residual.save(tmp_path / "rollout.safetensors")
    hybrid = mujoco.MjModel.from_xml_string(hybrid_xml(SIM_XML.read_text(), str(path)))
    nbatch, nstep = 6, 200
    spec = mujoco.mjtState.mjSTATE_FULLPHYSICS
    start = mujoco.MjData(hybrid)
    initial = np.empty(mujoco.mj_stateSize(hybrid, spec))
    mujoco.mj_getState(hybrid, start, initial, spec)
    controls = np.stack([random_controls(hybrid, nstep, seed=100 + i) for i in range(nbatch)])

    state, _ = rollout.rollout(hybrid, [mujoco.MjData(hybrid) for _ in range(3)],
                               np.tile(initial, (nbatch, 1)), controls)

    for i in range(nbatch):
        data = mujoco.MjData(hybrid)
        expected = np.empty((nstep, initial.size))
        for k in range(nstep):
            data.ctrl[:] = controls[i, k]
            mujoco.mj_step(hybrid, data)
            mujoco.mj_getState(hybrid, data, expected[k], spec)
        assert state[i].tobytes() == expected.tobytes(), f"rollout {i}"


def test_shipped_hybrid_tracks_real_better_than_sim(monkeypatch):
    """The point of the product, seen from Python: from the same placements and commands,
    the hybrid stays much closer to real.xml than the nominal model does."""
    monkeypatch.delenv("MJHYBRID_ROOT", raising=False)
    real = mujoco.MjModel.from_xml_path(str(ROOT / "scenes/arm2/real.xml"))
    sim = mujoco.MjModel.from_xml_path(str(SIM_XML))
    hybrid = mujoco.MjModel.from_xml_path(str(SHIPPED_HYBRID_XML))
    substeps = round(sim.opt.timestep / real.opt.timestep)
    rng = np.random.default_rng(7)
    err = {"sim": [], "hybrid": []}
    for _ in range(20):
        q0 = rng.uniform(-np.pi, np.pi, 2)
        data = {name: mujoco.MjData(m) for name, m in (("real", real), ("sim", sim), ("hybrid", hybrid))}
        for d in data.values():
            d.qpos[:] = q0
        # smooth random torques, within the motors' ranges, for 20 control steps (0.1 s)
        u = rng.uniform(-1, 1, 2) * [3.0, 1.5]
        for _ in range(20):
            u = np.clip(u + rng.normal(0, 0.3, 2), [-3, -1.5], [3, 1.5])
            for d in data.values():
                d.ctrl[:] = u
            for _ in range(substeps):
                mujoco.mj_step(real, data["real"])
            mujoco.mj_step(sim, data["sim"])
            mujoco.mj_step(hybrid, data["hybrid"])
        for name in ("sim", "hybrid"):
            err[name].append(np.abs(data[name].qvel - data["real"].qvel).max())
    assert np.all(np.isfinite(err["hybrid"]))
    assert np.mean(err["hybrid"]) < 0.2 * np.mean(err["sim"]), err



# ---------------------------------------------------------------- the contact scenes


CONTACT_SCENES = ["push", "toss", "hopper"]


@pytest.mark.parametrize("scene", CONTACT_SCENES)
def test_shipped_contact_scene_runs_1000_steps(scene, tmp_path, monkeypatch):
    """Each shipped contact scene loads from another directory and stays finite for 1000
    steps of random controls held 0.1 s, in augment mode and, where shipped, in replace."""
    monkeypatch.chdir(tmp_path)
    files = ["hybrid.xml", "hybrid-replace.xml"]
    paths = [ROOT / "scenes" / scene / f for f in files if (ROOT / "scenes" / scene / f).exists()]
    assert paths, f"scenes/{scene} has no hybrid scene"
    rng = np.random.default_rng(3)
    for path in paths:
        model = mujoco.MjModel.from_xml_path(str(path))
        data = mujoco.MjData(model)
        lo, hi = model.actuator_ctrlrange[:, 0], model.actuator_ctrlrange[:, 1]
        for step in range(STEPS):
            if step % 20 == 0 and model.nu:
                data.ctrl[:] = rng.uniform(lo, hi)
            mujoco.mj_step(model, data)
        assert np.all(np.isfinite(data.qpos)) and np.all(np.isfinite(data.qvel)), path.name
        assert np.max(np.abs(data.qvel)) < 1e3, path.name


def test_replace_without_exclude_is_refused(tmp_path):
    """A user-written replace scene that forgot to switch native contact off cannot be used:
    MuJoCo fills the exclude table after it asks the plugin for its state size, so the check
    runs when mjData is made, and the message names the <exclude> to add."""
    shipped = ROOT / "scenes" / "push" / "hybrid-replace.xml"
    assert shipped.exists(), "scripts/ship_model.sh push writes it"
    text = re.sub(r"\s*<exclude [^>]*/>", "", shipped.read_text())
    text = text.replace('file="sim.xml"', f'file="{ROOT / "scenes" / "push" / "sim.xml"}"')
    broken = tmp_path / "replace-without-exclude.xml"
    broken.write_text(text)
    with pytest.raises((ValueError, mujoco.FatalError),
                       match=r"still collide natively.*<exclude body1=\"pusher\" body2=\"object\"/>"):
        mujoco.MjData(mujoco.MjModel.from_xml_path(str(broken)))
