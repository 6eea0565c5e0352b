"""The repository's entry to the mjhybrid Python package (python/mjhybrid) for scripts and tests.

The Gymnasium environments live in the package, ``mjhybrid.envs``; this module puts the
repository's python/ folder on the path and re-exports them, so ``import mjhybrid_gym`` keeps
working from a checkout where the package is not pip-installed.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python"))

from mjhybrid import PLUGIN_LIBRARY as DEFAULT_PLUGIN_LIBRARY  # noqa: E402,F401
from mjhybrid import load_model, load_plugin  # noqa: E402,F401
from mjhybrid.envs import WORLDS, MjhybridEnv, env_id, register_envs  # noqa: E402,F401

__all__ = ["DEFAULT_PLUGIN_LIBRARY", "WORLDS", "MjhybridEnv", "env_id", "load_model", "load_plugin",
           "register_envs"]
