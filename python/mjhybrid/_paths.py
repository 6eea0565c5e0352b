"""Where mjhybrid's files are: an installed wheel, or the repository this package lies in.

An installed wheel carries its data inside the package folder (``site-packages/mjhybrid``:
``lib/libmjhybrid.so``, ``bin/mjhybrid``, ``scenes/``, ``models/``; cmake/PythonPackage.cmake).
In the repository the package is ``python/mjhybrid`` and the data are the repository's own
``scenes/``, ``models/`` and ``build/``. The plugin finds the same root from the library's
location (docs/INSTALL.md), so Python and C++ agree on what a relative model path means.
"""

from __future__ import annotations

import pathlib

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
INSTALLED = (PACKAGE_DIR / "lib" / "libmjhybrid.so").is_file()

# the folder that holds scenes/ and models/: the plugin's root for relative model paths
DATA_ROOT = PACKAGE_DIR if INSTALLED else PACKAGE_DIR.parents[1]
SCENES_DIR = DATA_ROOT / "scenes"
MODELS_DIR = DATA_ROOT / "models"

# the plugin library and the command line, as the wheel installs them or the build makes them
PLUGIN_LIBRARY = (PACKAGE_DIR / "lib" if INSTALLED else DATA_ROOT / "build" / "lib") / "libmjhybrid.so"
CLI_EXECUTABLE = (PACKAGE_DIR / "bin" if INSTALLED else DATA_ROOT / "build" / "bin") / "mjhybrid"
