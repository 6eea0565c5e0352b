"""Loading libmjhybrid.so into MuJoCo's Python bindings, once per process."""

from __future__ import annotations

import os
import pathlib
from typing import Optional

import mujoco

from ._paths import PLUGIN_LIBRARY

PLUGIN_NAME = "mjhybrid.residual"

_plugin_slot: Optional[int] = None


def _probe_plugin_slot() -> Optional[int]:
    """The registry slot of mjhybrid.residual, or None while it is not registered.

    Compiling an instance in mode "off" without a model file is the one thing the Python
    bindings offer that tells whether a plugin is registered; the slot it reports is what
    identifies the plugin's instances in a compiled model (mjModel.plugin).
    """
    probe = (
        "<mujoco><extension>"
        f'<plugin plugin="{PLUGIN_NAME}"><instance name="probe">'
        '<config key="mode" value="off"/></instance></plugin>'
        "</extension></mujoco>"
    )
    try:
        model = mujoco.MjModel.from_xml_string(probe)
    except ValueError:
        return None
    return int(model.plugin[0])


def load_plugin(plugin_library: Optional[str | os.PathLike] = None,
                required: bool = True) -> Optional[int]:
    """Load libmjhybrid.so into MuJoCo's Python bindings once; return the plugin's slot.

    The library is ``plugin_library``, else ``$MJHYBRID_PLUGIN``, else the package's own (an
    installed wheel's ``mjhybrid/lib/``, or ``build/lib/`` of the repository). Loading is
    skipped when the plugin is registered already (by an earlier call, by other code in the
    process or by a test), because registering a second copy of the library under the same
    plugin name is a MuJoCo error. With ``required`` False a missing default library is not
    an error: scenes without the plugin do not need it.
    """
    global _plugin_slot
    if _plugin_slot is not None:
        return _plugin_slot
    _plugin_slot = _probe_plugin_slot()
    if _plugin_slot is not None:
        return _plugin_slot
    explicit = plugin_library or os.environ.get("MJHYBRID_PLUGIN") or None
    path = pathlib.Path(explicit) if explicit else PLUGIN_LIBRARY
    if not path.is_file():
        if explicit or required:
            raise ValueError(f"{path}: the mjhybrid plugin library does not exist "
                             "(build it with scripts/build.sh, install the mjhybrid wheel, "
                             "or set MJHYBRID_PLUGIN)")
        return None
    mujoco.mj_loadPluginLibrary(str(path))
    _plugin_slot = _probe_plugin_slot()
    if _plugin_slot is None:
        raise ValueError(f"{path}: loaded, but it did not register {PLUGIN_NAME}")
    return _plugin_slot
