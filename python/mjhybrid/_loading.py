"""Compiling a scene so that its residual models may lie beside it.

MuJoCo does not tell a plugin which file its scene came from, so the plugin alone resolves a
relative ``model`` against $MJHYBRID_MODEL_PATH and the mjhybrid root (plugin/core/
plugin_config.h). A loader that knows the file can do better: before compiling, every
mjhybrid.residual instance whose relative model exists in the scene's own folder gets that
file's absolute path, so a user's scene with its model beside it loads from any working
directory. Anything else is left for the plugin to resolve, and to report when it is missing.
"""

from __future__ import annotations

import os
import pathlib

import mujoco

from ._plugin import PLUGIN_NAME, load_plugin


def _one_line(error: Exception) -> str:
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip())


def scene_spec(xml: str | os.PathLike) -> mujoco.MjSpec:
    """The scene's MjSpec, its relative residual models resolved against its own folder."""
    path = pathlib.Path(xml)
    if not path.is_file():
        raise ValueError(f"{path}: no such scene file")
    # loaded whenever it is there, since the plugin may be declared in an included file; a
    # scene that needs it without it fails below, naming the plugin
    load_plugin(required=False)
    try:
        spec = mujoco.MjSpec.from_file(str(path))
    except ValueError as e:
        raise ValueError(f"{path}: {_one_line(e)}") from None
    folder = path.resolve().parent
    for plugin in spec.plugins:
        if plugin.plugin_name != PLUGIN_NAME:
            continue
        config = dict(plugin.config)
        model = config.get("model", "").strip()
        if model and not os.path.isabs(model) and (folder / model).is_file():
            config["model"] = str(folder / model)
            plugin.config = config
    return spec


def load_model(xml: str | os.PathLike) -> mujoco.MjModel:
    """Compile a scene file, loading the plugin first when the scene uses it.

    Relative residual models are looked up beside the scene, then in $MJHYBRID_MODEL_PATH,
    then under the mjhybrid root (an installed wheel's package folder, or the repository).
    Errors are one ValueError line naming the file.
    """
    spec = scene_spec(xml)
    try:
        return spec.compile()
    except (ValueError, mujoco.FatalError) as e:
        raise ValueError(f"{xml}: {_one_line(e)}") from None
