"""mjhybrid: learned residual dynamics for MuJoCo, as an engine plugin.

    import mujoco, mjhybrid
    mjhybrid.load_plugin()                                   # mjhybrid.residual, once
    model = mjhybrid.load_model("my_scene/hybrid.xml")       # residual models found beside it
    data = mujoco.MjData(model); mujoco.mj_step(model, data)

    import gymnasium
    env = gymnasium.make("mjhybrid/arm2-reach-hybrid-v0")    # the shipped scenes' tasks

Importing the package registers the Gymnasium ids of the shipped scenes (``SCENES_DIR``);
``register_envs(folder)`` registers those of a folder of your own scenes. The ``mjhybrid``
command on PATH is the native command line (collect, train, eval, study, ...).
"""

from ._loading import load_model, scene_spec
from ._paths import DATA_ROOT, MODELS_DIR, PLUGIN_LIBRARY, SCENES_DIR
from ._plugin import PLUGIN_NAME, load_plugin
from .envs import MjhybridEnv, env_id, register_envs

__version__ = "0.1.0"

__all__ = ["DATA_ROOT", "MODELS_DIR", "PLUGIN_LIBRARY", "PLUGIN_NAME", "SCENES_DIR",
           "MjhybridEnv", "env_id", "load_model", "load_plugin", "register_envs", "scene_spec"]

register_envs()
