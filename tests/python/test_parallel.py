"""Parallel equals serial: MuJoCo's threaded rollout on the shipped hybrid scenes.

Every shipped hybrid scene (scenes/*/hybrid.xml, scenes/push/hybrid-replace.xml) is stepped
from several initial states under random controls through mujoco.rollout, with one thread and
with several, and the result must be bit for bit that of a plain serial loop of mj_step over
the same initial states and controls. The initial state is the full physics state, so that it
carries the plugin's state (the control history of the velocity models); the rollout threads
reuse their mjData from one trajectory to the next, so anything the plugin kept outside
plugin_state would show here.

The shipped scenes have no sensors: each scene is also run with sensors added (frame position,
velocity and acceleration of every body, joint position and velocity, actuator force), so that
sensordata is compared too, including the acceleration stage the residual acts on.

The plugin library comes from MJHYBRID_PLUGIN (CTest sets it to the built libmjhybrid.so).
"""

from __future__ import annotations

import os
import pathlib

import mujoco
import numpy as np
import pytest
from mujoco import rollout

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENES = sorted(p.relative_to(ROOT / "scenes").as_posix()
                for p in (ROOT / "scenes").glob("*/hybrid*.xml"))
NBATCH = 8
NSTEP = 300
THREADS = [1, 2, 3, 8]
SPEC = mujoco.mjtState.mjSTATE_FULLPHYSICS


# the built plugin, loaded once per session (conftest.py)
pytestmark = pytest.mark.usefixtures("plugin_library")


def test_every_expected_hybrid_scene_is_found():
    for scene in ("arm2/hybrid.xml", "push/hybrid.xml", "push/hybrid-replace.xml",
                  "toss/hybrid.xml", "hopper/hybrid.xml"):
        assert scene in SCENES, SCENES


def load(scene: str, sensors: bool) -> mujoco.MjModel:
    if not sensors:
        return mujoco.MjModel.from_xml_path(str(ROOT / "scenes" / scene))
    spec = mujoco.MjSpec.from_file(str(ROOT / "scenes" / scene))
    for body in spec.bodies[1:]:
        for kind in (mujoco.mjtSensor.mjSENS_FRAMEPOS, mujoco.mjtSensor.mjSENS_FRAMELINVEL,
                     mujoco.mjtSensor.mjSENS_FRAMELINACC):
            spec.add_sensor(type=kind, objtype=mujoco.mjtObj.mjOBJ_XBODY, objname=body.name)
    for joint in spec.joints:
        if joint.type in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE):
            for kind in (mujoco.mjtSensor.mjSENS_JOINTPOS, mujoco.mjtSensor.mjSENS_JOINTVEL):
                spec.add_sensor(type=kind, objtype=mujoco.mjtObj.mjOBJ_JOINT, objname=joint.name)
    for actuator in spec.actuators:
        spec.add_sensor(type=mujoco.mjtSensor.mjSENS_ACTUATORFRC,
                        objtype=mujoco.mjtObj.mjOBJ_ACTUATOR, objname=actuator.name)
    model = spec.compile()
    assert model.nsensordata > 0
    return model


def controls(model: mujoco.MjModel, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    low, high = model.actuator_ctrlrange[:, 0], model.actuator_ctrlrange[:, 1]
    return rng.uniform(low, high, shape + (model.nu,))


def initial_states(model: mujoco.MjModel, rng: np.random.Generator) -> np.ndarray:
    """Full physics states, each after a different warm-up under random controls from a
    perturbed rest state: a nonzero control history, time and velocities."""
    states = np.empty((NBATCH, mujoco.mj_stateSize(model, SPEC)))
    for i in range(NBATCH):
        data = mujoco.MjData(model)
        data.qvel[:] = rng.normal(0, 0.05, model.nv)
        for u in controls(model, (5 + 3 * i,), rng):
            data.ctrl[:] = u
            mujoco.mj_step(model, data)
        mujoco.mj_getState(model, data, states[i], SPEC)
    if model.npluginstate and model.nu:
        assert np.any(states[:, -model.npluginstate:] != 0), "no control history was carried"
    return states


def serial(model: mujoco.MjModel, initial: np.ndarray, control: np.ndarray):
    """A plain Python loop of mj_step, one fresh mjData per trajectory."""
    state = np.empty((NBATCH, NSTEP, initial.shape[1]))
    sensordata = np.empty((NBATCH, NSTEP, model.nsensordata))
    for i in range(NBATCH):
        data = mujoco.MjData(model)
        mujoco.mj_setState(model, data, initial[i], SPEC)
        for t in range(NSTEP):
            data.ctrl[:] = control[i, t]
            mujoco.mj_step(model, data)
            mujoco.mj_getState(model, data, state[i, t], SPEC)
            sensordata[i, t] = data.sensordata
    return state, sensordata


def first_difference(got: np.ndarray, expected: np.ndarray) -> str:
    index = tuple(int(k) for k in np.argwhere(got.view(np.uint64) != expected.view(np.uint64))[0])
    return f"first at [batch, step, element] {index}: {got[index]!r} != {expected[index]!r}"


def assert_bitwise_equal(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert got.shape == expected.shape, what
    if not np.array_equal(got.view(np.uint64), expected.view(np.uint64)):
        pytest.fail(f"{what} differs from the serial loop: {first_difference(got, expected)}")


@pytest.mark.parametrize("sensors", [False, True], ids=["shipped", "with-sensors"])
@pytest.mark.parametrize("scene", SCENES)
def test_threaded_rollout_equals_serial_loop(scene, sensors, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # model paths resolve against the repository, not here
    model = load(scene, sensors)
    # the residual, and before it the contact parameters where the scene fits them (push, toss)
    assert model.nplugin >= 1, scene
    rng = np.random.default_rng(sum(map(ord, scene)))
    initial = initial_states(model, rng)
    control = controls(model, (NBATCH, NSTEP), rng)

    expected_state, expected_sensordata = serial(model, initial, control)
    assert np.all(np.isfinite(expected_state)), scene
    # the trajectories differ from each other, so a mix-up between them would show
    assert not np.array_equal(expected_state[0], expected_state[1])

    for nthread in THREADS:
        datas = [mujoco.MjData(model) for _ in range(nthread)]
        state, sensordata = rollout.rollout(model, datas, initial, control)
        assert_bitwise_equal(state, expected_state, f"{scene}: state with {nthread} threads")
        assert_bitwise_equal(sensordata, expected_sensordata,
                             f"{scene}: sensordata with {nthread} threads")
        # again on the same mjData, now dirty from the first rollout
        state, sensordata = rollout.rollout(model, datas, initial, control)
        assert_bitwise_equal(state, expected_state,
                             f"{scene}: state with {nthread} threads, reused mjData")
        assert_bitwise_equal(sensordata, expected_sensordata,
                             f"{scene}: sensordata with {nthread} threads, reused mjData")
