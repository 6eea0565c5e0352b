"""Shared by the Python tests that step hybrid scenes: the built plugin library, loaded once."""

import os

import mujoco
import pytest


@pytest.fixture(scope="session")
def plugin_library() -> str:
    """libmjhybrid.so as ctest hands it over (MJHYBRID_PLUGIN), loaded into MuJoCo; skips otherwise."""
    path = os.environ.get("MJHYBRID_PLUGIN", "")
    if not path or not os.path.isfile(path):
        pytest.skip("MJHYBRID_PLUGIN does not name the built libmjhybrid.so (run through ctest)")
    mujoco.mj_loadPluginLibrary(path)
    return path
