"""The ``mjhybrid`` command on PATH: runs the C++ command line that the package carries.

The command line is a native program (cli/), built into the wheel as ``mjhybrid/bin/mjhybrid``;
this script only finds it and hands over. MJHYBRID_PYTHON names this interpreter, which the
program uses for its plots after ``study`` and ``transfer``.
"""

from __future__ import annotations

import os
import sys

from ._paths import CLI_EXECUTABLE


def main() -> None:
    if not os.access(CLI_EXECUTABLE, os.X_OK):
        sys.exit(f"mjhybrid: {CLI_EXECUTABLE}: the command line is not built "
                 "(scripts/build.sh in the repository, or reinstall the mjhybrid wheel)")
    env = dict(os.environ)
    env.setdefault("MJHYBRID_PYTHON", sys.executable)
    os.execve(str(CLI_EXECUTABLE), [str(CLI_EXECUTABLE), *sys.argv[1:]], env)


if __name__ == "__main__":
    main()
